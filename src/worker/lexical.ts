/**
 * The span model of an index version, made ready once per isolate: its ONNX files are read from
 * KV (they are artifacts of the version, so a new model ships as a new version, no redeploy), the
 * session is created through onnxruntime-web's WASM backend, and the decoder is bound to the
 * version's FM index. When the version has no model, or it fails to load, the answer says why and
 * the caller serves the fallback strategy.
 */
import type { Engine } from "../core/engine.ts";
import { type SpanModelFiles, SpanModelSession } from "../core/model/span-session.ts";
import { LexicalRetriever } from "../core/retrieval/lexical.ts";
import { SpanDecoder } from "../core/retrieval/span-decoder.ts";
import { spanStarts } from "../core/retrieval/span-starts.ts";
import { type ChunkCache, ChunkedSource } from "../core/storage/chunk-cache.ts";
import { MODEL_ARTIFACTS } from "../core/storage/manifest.ts";
import { WordPieceTokenizer } from "../core/tokenizer/wordpiece.ts";
import { onnxRuntime } from "./onnx-runtime.ts";

export type Lexical = { readonly retriever: LexicalRetriever } | { readonly unavailable: string };

const loaded = new WeakMap<Engine, Promise<Lexical>>();

export function lexicalFor(engine: Engine, cache: ChunkCache): Promise<Lexical> {
  let entry = loaded.get(engine);
  if (!entry) {
    entry = load(engine, cache).catch((e: Error) => {
      console.error(`span model of ${engine.manifest.version} failed to load: ${e.message}`);
      return { unavailable: "span model failed to load" };
    });
    loaded.set(engine, entry);
  }
  return entry;
}

async function load(engine: Engine, cache: ChunkCache): Promise<Lexical> {
  const { manifest, tokenizer, index } = engine;
  if (!manifest.model || !manifest.artifacts.modelEncoder) return { unavailable: "index version has no span model" };
  if (!(tokenizer instanceof WordPieceTokenizer)) return { unavailable: "index version is not built with the span model's tokenizer" };
  const read = async (name: keyof typeof MODEL_ARTIFACTS): Promise<[string, Uint8Array]> => {
    const ref = manifest.artifacts[name]!; // parseManifest checked that a model has all its artifacts
    const [bytes] = await new ChunkedSource(cache, ref, name).read([{ offset: 0, length: ref.bytes }]);
    return [MODEL_ARTIFACTS[name], bytes!];
  };
  const files = Object.fromEntries(await Promise.all((Object.keys(MODEL_ARTIFACTS) as (keyof typeof MODEL_ARTIFACTS)[]).map(read)));
  const session = await SpanModelSession.create(onnxRuntime(), files as unknown as SpanModelFiles, manifest.model);
  const decoder = new SpanDecoder(session, index, spanStarts(index, tokenizer));
  return { retriever: new LexicalRetriever(engine, decoder) };
}
