/**
 * The committed span model (wasm/model) as part of the Worker bundle: ONNX graphs and the token
 * table as Data modules (wrangler.toml [[rules]]). About 7.4 MB, which only the bundled entry
 * (src/worker/index-bundled.ts) pays for; the default Worker reads models from KV.
 */
import { type SpanModelExport, exportShape } from "../core/model/span-session.ts";
import decoderStep from "../../wasm/model/decoder_step.onnx";
import encoder from "../../wasm/model/encoder.onnx";
import meta from "../../wasm/model/model.json";
import tokenScores from "../../wasm/model/token_scores.onnx";
import tokenTable from "../../wasm/model/token_table.bin";

export const BUNDLED_MODEL: SpanModelExport = {
  shape: exportShape(meta),
  files: {
    encoder: new Uint8Array(encoder),
    decoderStep: new Uint8Array(decoderStep),
    tokenScores: new Uint8Array(tokenScores),
    tokenTable: new Uint8Array(tokenTable),
  },
};
