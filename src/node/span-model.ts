/** An exported span model in a folder (edgespan_ml/export.py: model.json, encoder and decoder-step ONNX). */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactOptions } from "../core/artifacts.ts";
import { SpanModelSession } from "../core/model/span-session.ts";
import { onnxRuntime } from "./onnx-runtime.ts";

export type SpanModelFiles = NonNullable<ArtifactOptions["model"]>;

/** The model's shape and ONNX bytes; errors name the file. */
export async function readSpanModel(dir: string): Promise<SpanModelFiles> {
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await readFile(join(dir, name)));
    } catch (e) {
      throw new Error(`${join(dir, name)}: cannot read the span model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  let meta: { config: SpanModelFiles["shape"]; files: { encoder: string; decoder_step: string } };
  try {
    meta = JSON.parse(new TextDecoder().decode(await read("model.json")));
  } catch (e) {
    throw new Error(`${join(dir, "model.json")}: ${(e as Error).message}`);
  }
  const [encoder, decoderStep] = await Promise.all([read(meta.files.encoder), read(meta.files.decoder_step)]);
  return { shape: meta.config, encoder, decoderStep };
}

/** A session over the model, in onnxruntime-web's WASM backend. */
export async function loadSpanModel(dir: string): Promise<SpanModelSession> {
  const { shape, encoder, decoderStep } = await readSpanModel(dir);
  return SpanModelSession.create(onnxRuntime(), { encoder, decoderStep }, shape);
}
