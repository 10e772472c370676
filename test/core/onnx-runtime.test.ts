import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { onnxRuntime } from "../../src/node/onnx-runtime.ts";
import { checkTinySpanModel } from "../support/tiny-span-model.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/tiny-span-model/${name}`, import.meta.url)));

describe("span model in onnxruntime-web on Node", () => {
  it("matches Python's onnxruntime on the tiny fixture model, one beam and five", async () => {
    await checkTinySpanModel(onnxRuntime(), { encoder: fixture("encoder.onnx"), decoderStep: fixture("decoder_step.onnx") });
  });
});
