/**
 * The span model of an index version, made ready once per isolate: its files are read from KV
 * (they are artifacts of the version, so a new model ships as a new version, no redeploy), or,
 * for a version without one, taken from the Worker bundle when it carries a model
 * (src/worker/index-bundled.ts). The session is created through onnxruntime-web's WASM backend and
 * the decoder is bound to the version's FM index. When there is no model, or it fails to load, the
 * answer says why and the caller serves the fallback strategy.
 */
import type { Engine } from "../core/engine.ts";
import { type SpanModelExport, type SpanModelFiles, SpanModelSession } from "../core/model/span-session.ts";
import { LexicalRetriever } from "../core/retrieval/lexical.ts";
import { SpanDecoder } from "../core/retrieval/span-decoder.ts";
import { spanStarts } from "../core/retrieval/span-starts.ts";
import { type ChunkCache, ChunkedSource } from "../core/storage/chunk-cache.ts";
import { MODEL_ARTIFACTS } from "../core/storage/manifest.ts";
import { WordPieceTokenizer } from "../core/tokenizer/wordpiece.ts";
import { onnxRuntime } from "./onnx-runtime.ts";

/** Request context: the span model bundled with the Worker, if any (createApp's options). */
export interface ModelVariables {
  bundledModel?: SpanModelExport;
}

export type Lexical = { readonly retriever: LexicalRetriever } | { readonly unavailable: string };

// Per engine (index version) and bundled model: an isolate serves one app, but tests run several.
const loaded = new WeakMap<Engine, Map<SpanModelExport | undefined, Promise<Lexical>>>();

export function lexicalFor(engine: Engine, cache: ChunkCache, bundled?: SpanModelExport): Promise<Lexical> {
  let byModel = loaded.get(engine);
  if (!byModel) loaded.set(engine, (byModel = new Map()));
  let entry = byModel.get(bundled);
  if (!entry) {
    entry = load(engine, cache, bundled).catch((e: Error) => {
      console.error(`span model of ${engine.manifest.version} failed to load: ${e.message}`);
      return { unavailable: "span model failed to load" };
    });
    byModel.set(bundled, entry);
  }
  return entry;
}

async function load(engine: Engine, cache: ChunkCache, bundled: SpanModelExport | undefined): Promise<Lexical> {
  const { manifest, tokenizer, index } = engine;
  const model = manifest.model ? { shape: manifest.model, files: await readModel(engine, cache) } : bundled;
  if (!model) return { unavailable: "index version has no span model (and the Worker bundles none)" };
  if (!(tokenizer instanceof WordPieceTokenizer)) return { unavailable: "index version is not built with the span model's tokenizer" };
  if (model.shape.vocab_size !== tokenizer.vocabSize) return { unavailable: "the bundled span model's vocabulary is not the index version's tokenizer" };
  const session = await SpanModelSession.create(onnxRuntime(), model.files, model.shape);
  const decoder = new SpanDecoder(session, index, spanStarts(index, tokenizer));
  return { retriever: new LexicalRetriever(engine, decoder) };
}

/** The version's model files, from its KV artifacts (parseManifest checked that a model has them all). */
async function readModel({ manifest }: Engine, cache: ChunkCache): Promise<SpanModelFiles> {
  const read = async (name: keyof typeof MODEL_ARTIFACTS): Promise<[string, Uint8Array]> => {
    const ref = manifest.artifacts[name]!;
    const [bytes] = await new ChunkedSource(cache, ref, name).read([{ offset: 0, length: ref.bytes }]);
    return [MODEL_ARTIFACTS[name], bytes!];
  };
  const files = await Promise.all((Object.keys(MODEL_ARTIFACTS) as (keyof typeof MODEL_ARTIFACTS)[]).map(read));
  return Object.fromEntries(files) as unknown as SpanModelFiles;
}
