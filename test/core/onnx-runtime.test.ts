import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import recorded from "../fixtures/tiny-span-model/lexical.json";
import { onnxRuntime } from "../../src/node/onnx-runtime.ts";
import { runTinyLexical } from "../support/tiny-lexical.ts";
import { checkTinySpanModel } from "../support/tiny-span-model.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/tiny-span-model/${name}`, import.meta.url)));

describe("span model in onnxruntime-web on Node", () => {
  it("matches Python's onnxruntime on the tiny fixture model, one beam and five", async () => {
    await checkTinySpanModel(onnxRuntime(), { encoder: fixture("encoder.onnx"), decoderStep: fixture("decoder_step.onnx") });
  });
});

describe("generative path on Node, against the committed fixture", () => {
  it("decodes and ranks exactly as recorded (workerd is held to the same file)", async () => {
    const result = await runTinyLexical(onnxRuntime(), { encoder: fixture("encoder.onnx"), decoderStep: fixture("decoder_step.onnx") });
    expect(result).toEqual(recorded);
  });
});
