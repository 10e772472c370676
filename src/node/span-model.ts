/** Loads an exported span model (edgespan_ml/export.py: model.json, encoder.onnx, decoder_step.onnx) in Node. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { SpanModelSession, type SpanModelShape } from "../core/model/span-session.ts";
import { onnxRuntime } from "./onnx-runtime.ts";

export async function loadSpanModel(dir: string): Promise<SpanModelSession> {
  let meta: { config: SpanModelShape; files: { encoder: string; decoder_step: string } };
  try {
    meta = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
  } catch (e) {
    throw new Error(`${join(dir, "model.json")}: cannot read the span model (${(e as Error).message})`);
  }
  const [encoder, decoderStep] = await Promise.all([readFile(join(dir, meta.files.encoder)), readFile(join(dir, meta.files.decoder_step))]);
  return SpanModelSession.create(onnxRuntime(), { encoder: new Uint8Array(encoder), decoderStep: new Uint8Array(decoderStep) }, meta.config);
}
