import { describe, expect, it } from "vitest";
import recorded from "../fixtures/tiny-span-model/lexical.json";
import { onnxRuntime } from "../../src/worker/onnx-runtime.ts";
import { runTinyLexical } from "../support/tiny-lexical.ts";
import { checkTinySpanModel } from "../support/tiny-span-model.ts";
import { TINY_FILES } from "./tiny-files.ts";

describe("span model in onnxruntime-web inside workerd", () => {
  it("matches Python's onnxruntime (and so Node) on the tiny fixture model, from bundled bytes", async () => {
    await checkTinySpanModel(onnxRuntime(), TINY_FILES);
  });
});

describe("generative path inside workerd", () => {
  it("decodes and ranks exactly as Node did (the committed fixture)", async () => {
    const result = await runTinyLexical(onnxRuntime(), TINY_FILES);
    expect(result).toEqual(recorded);
  });
});
