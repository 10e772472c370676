import { describe, expect, it } from "vitest";
import recorded from "../fixtures/tiny-span-model/lexical.json";
import decoderStep from "../fixtures/tiny-span-model/decoder_step.onnx";
import encoder from "../fixtures/tiny-span-model/encoder.onnx";
import { onnxRuntime } from "../../src/worker/onnx-runtime.ts";
import { runTinyLexical } from "../support/tiny-lexical.ts";
import { checkTinySpanModel } from "../support/tiny-span-model.ts";

describe("span model in onnxruntime-web inside workerd", () => {
  it("matches Python's onnxruntime (and so Node) on the tiny fixture model, from bundled bytes", async () => {
    await checkTinySpanModel(onnxRuntime(), { encoder: new Uint8Array(encoder), decoderStep: new Uint8Array(decoderStep) });
  });
});

describe("generative path inside workerd", () => {
  it("decodes and ranks exactly as Node did (the committed fixture)", async () => {
    const result = await runTinyLexical(onnxRuntime(), { encoder: new Uint8Array(encoder), decoderStep: new Uint8Array(decoderStep) });
    expect(result).toEqual(recorded);
  });
});
