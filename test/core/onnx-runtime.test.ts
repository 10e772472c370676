import { describe, expect, it } from "vitest";
import recorded from "../fixtures/tiny-span-model/lexical.json";
import { onnxRuntime } from "../../src/node/onnx-runtime.ts";
import { runTinyLexical } from "../support/tiny-lexical.ts";
import { tinyModelFiles } from "../support/tiny-files-node.ts";
import { checkTinySpanModel } from "../support/tiny-span-model.ts";


describe("span model in onnxruntime-web on Node", () => {
  it("matches Python's onnxruntime on the tiny fixture model, one beam and five", async () => {
    await checkTinySpanModel(onnxRuntime(), tinyModelFiles());
  });
});

describe("generative path on Node, against the committed fixture", () => {
  it("decodes and ranks exactly as recorded (workerd is held to the same file)", async () => {
    const result = await runTinyLexical(onnxRuntime(), tinyModelFiles());
    expect(result).toEqual(recorded);
  });
});
