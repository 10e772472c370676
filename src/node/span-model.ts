/** An exported span model in a folder (edgespan_ml/export.py: model.json, three ONNX graphs, the token table). */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ExportMetadata, type SpanModelExport, SpanModelSession, exportShape } from "../core/model/span-session.ts";
import { onnxRuntime } from "./onnx-runtime.ts";

/** model.json's `files` keys, by the field of SpanModelFiles each fills. */
const FILES = { encoder: "encoder", decoderStep: "decoder_step", tokenScores: "token_scores", tokenTable: "token_table" } as const;

/** The model's shape and file bytes; errors name the file. */
export async function readSpanModel(dir: string): Promise<SpanModelExport> {
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await readFile(join(dir, name)));
    } catch (e) {
      throw new Error(`${join(dir, name)}: cannot read the span model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  let meta: ExportMetadata & { files: Record<string, string> };
  try {
    meta = JSON.parse(new TextDecoder().decode(await read("model.json")));
  } catch (e) {
    throw new Error(`${join(dir, "model.json")}: ${(e as Error).message}`);
  }
  const entries = await Promise.all(
    Object.entries(FILES).map(async ([field, key]) => {
      const name = meta.files?.[key];
      if (typeof name !== "string") throw new Error(`${join(dir, "model.json")}: files.${key} is missing (an export older than this reader? re-run edgespan_ml.export)`);
      return [field, await read(name)] as const;
    }),
  );
  return { shape: exportShape(meta), files: Object.fromEntries(entries) as unknown as SpanModelExport["files"] };
}

/** A session over the model, in onnxruntime-web's WASM backend. */
export async function loadSpanModel(dir: string): Promise<SpanModelSession> {
  const { shape, files } = await readSpanModel(dir);
  return SpanModelSession.create(onnxRuntime(), files, shape);
}
