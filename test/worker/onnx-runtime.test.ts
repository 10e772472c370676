import { describe, it } from "vitest";
import decoderStep from "../fixtures/tiny-span-model/decoder_step.onnx";
import encoder from "../fixtures/tiny-span-model/encoder.onnx";
import { onnxRuntime } from "../../src/worker/onnx-runtime.ts";
import { checkTinySpanModel } from "../support/tiny-span-model.ts";

describe("span model in onnxruntime-web inside workerd", () => {
  it("matches Python's onnxruntime (and so Node) on the tiny fixture model, from bundled bytes", async () => {
    await checkTinySpanModel(onnxRuntime(), { encoder: new Uint8Array(encoder), decoderStep: new Uint8Array(decoderStep) });
  });
});
