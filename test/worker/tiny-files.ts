/** The tiny fixture model's files, bundled into the test Worker (wrangler.toml [[rules]]: Data). */
import type { SpanModelFiles } from "../../src/core/model/span-session.ts";
import decoderStep from "../fixtures/tiny-span-model/decoder_step.onnx";
import encoder from "../fixtures/tiny-span-model/encoder.onnx";
import tokenScores from "../fixtures/tiny-span-model/token_scores.onnx";
import tokenTable from "../fixtures/tiny-span-model/token_table.bin";

export const TINY_FILES: SpanModelFiles = {
  encoder: new Uint8Array(encoder),
  decoderStep: new Uint8Array(decoderStep),
  tokenScores: new Uint8Array(tokenScores),
  tokenTable: new Uint8Array(tokenTable),
};
