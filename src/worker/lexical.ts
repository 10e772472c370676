/**
 * The span model of an index version, made ready once per isolate: its ONNX files are read from
 * KV (they are artifacts of the version, so a new model ships as a new version, no redeploy), the
 * session is created through onnxruntime-web's WASM backend, and the decoder is bound to the
 * version's FM index. When the version has no model, or it fails to load, the answer says why and
 * the caller serves the fallback strategy.
 */
import type { Engine } from "../core/engine.ts";
import { SpanModelSession } from "../core/model/span-session.ts";
import { LexicalRetriever } from "../core/retrieval/lexical.ts";
import { SpanDecoder } from "../core/retrieval/span-decoder.ts";
import { spanStarts } from "../core/retrieval/span-starts.ts";
import { type ChunkCache, ChunkedSource } from "../core/storage/chunk-cache.ts";
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
  const { modelEncoder, modelDecoderStep } = manifest.artifacts;
  if (!manifest.model || !modelEncoder || !modelDecoderStep) return { unavailable: "index version has no span model" };
  if (!(tokenizer instanceof WordPieceTokenizer)) return { unavailable: "index version is not built with the span model's tokenizer" };
  const read = (ref: typeof modelEncoder, name: string) =>
    new ChunkedSource(cache, ref, name).read([{ offset: 0, length: ref.bytes }]).then(([b]) => b!);
  const [encoder, decoderStep] = await Promise.all([read(modelEncoder, "model encoder"), read(modelDecoderStep, "model decoder step")]);
  const session = await SpanModelSession.create(onnxRuntime(), { encoder, decoderStep }, manifest.model);
  const decoder = new SpanDecoder(session, index, spanStarts(index, tokenizer));
  return { retriever: new LexicalRetriever(engine, decoder) };
}
