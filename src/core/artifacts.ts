/**
 * Builds everything one index version consists of, from a catalog: the tokenizer, the FM index
 * over tokenized titles, the document store, each cut into content-hashed chunks, and the
 * manifest that names them. Runtime-agnostic: the CLI and tests call it; storage is elsewhere.
 */
import { QueryIndex } from "./autocomplete/query-index.ts";
import type { QueryCount } from "./autocomplete/query-log.ts";
import type { Product } from "./catalog/product.ts";
import { buildDocStore } from "./docs/doc-store.ts";
import { type BuildOptions, buildFmIndex } from "./fm/build.ts";
import { sha256Hex } from "./storage/hash.ts";
import type { SpanModelExport } from "./model/span-session.ts";
import { MANIFEST_FORMAT, MODEL_ARTIFACTS, type Manifest } from "./storage/manifest.ts";
import { type CutArtifact, DEFAULT_CHUNK_SIZE, cutIntoChunks } from "./storage/publish.ts";
import type { Tokenizer } from "./tokenizer/tokenizer.ts";
import { WordTokenizer } from "./tokenizer/word-tokenizer.ts";

export interface ArtifactOptions extends BuildOptions {
  /** Tokenizer of the index; by default a word tokenizer trained on the catalog's titles. */
  readonly tokenizer?: Tokenizer;
  readonly chunkSize?: number;
  /** Titles longer than this many tokens are indexed up to it (and counted in the stats). */
  readonly maxTitleTokens?: number;
  /** Where the catalog came from, recorded in the manifest. */
  readonly source?: string;
  /** The span model's export (edgespan_ml/export.py); its vocabulary must be the tokenizer's. */
  readonly model?: SpanModelExport;
  /** A query log (query + count) for autocomplete: adds the optional `queries` artifact. */
  readonly queries?: readonly QueryCount[];
}

export interface ArtifactStats {
  readonly products: number;
  readonly tokens: number;
  readonly vocabSize: number;
  readonly truncatedTitles: number;
  readonly titlesWithoutTokens: number;
  /** Distinct queries in the past-query index (when a query log was given). */
  readonly queries?: number;
  readonly bytes: { readonly index: number; readonly docs: number; readonly tokenizer: number; readonly manifest: number; readonly queries?: number };
  readonly millis: { readonly tokenize: number; readonly index: number; readonly docs: number; readonly chunks: number };
}

export interface BuiltArtifacts {
  readonly manifest: Manifest;
  readonly chunks: ReadonlyMap<string, Uint8Array>;
  readonly stats: ArtifactStats;
}

export async function buildArtifacts(products: readonly Product[], options: ArtifactOptions = {}): Promise<BuiltArtifacts> {
  const maxTitleTokens = options.maxTitleTokens ?? 64;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  let t = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const ms = now - t;
    t = now;
    return Math.round(ms);
  };

  // A given tokenizer (the span model's WordPiece) is used as is; otherwise words of the catalog.
  const tokenizer = options.tokenizer ?? WordTokenizer.train(products.map((p) => p.title));
  let truncatedTitles = 0;
  let titlesWithoutTokens = 0;
  const docs = products.map((p) => {
    const ids = tokenizer.encode(p.title);
    if (ids.length > maxTitleTokens) truncatedTitles++;
    if (ids.length === 0) titlesWithoutTokens++;
    return Uint32Array.from(ids.slice(0, maxTitleTokens));
  });
  const tokenizeMs = lap();
  const index = await buildFmIndex(docs, tokenizer.vocabSize, options);
  const indexMs = lap();
  const docStore = await buildDocStore(products);
  const docsMs = lap();

  const cut = {
    index: await cutIntoChunks(index.bytes, chunkSize, index.headerBytes),
    docs: await cutIntoChunks(docStore.bytes, chunkSize, docStore.headerBytes),
    tokenizer: await cutIntoChunks(tokenizer.serialize(), chunkSize),
  };
  const queryIndex = options.queries ? QueryIndex.build(options.queries) : undefined;
  const cutQueries = queryIndex ? await cutIntoChunks(await queryIndex.serialize(), chunkSize) : undefined;
  if (cutQueries) Object.assign(cut, { queries: cutQueries }); // last, so versions without a log keep their fingerprint
  const model = options.model;
  if (model && model.shape.vocab_size !== tokenizer.vocabSize) {
    throw new Error(`the span model has ${model.shape.vocab_size} token ids, the tokenizer ${tokenizer.vocabSize}: they must be trained together`);
  }
  const cutModel: Partial<Record<keyof typeof MODEL_ARTIFACTS, CutArtifact>> = {};
  if (model) for (const [name, file] of Object.entries(MODEL_ARTIFACTS)) cutModel[name as keyof typeof MODEL_ARTIFACTS] = await cutIntoChunks(model.files[file], chunkSize);
  Object.assign(cut, cutModel);
  const chunks = new Map<string, Uint8Array>();
  for (const a of Object.values(cut)) for (const [hash, bytes] of a.chunks) chunks.set(hash, bytes);
  const fingerprint = Object.values(cut).flatMap((a) => a.ref.chunks.map((c) => c.hash)).join(",");
  const version = (await sha256Hex(new TextEncoder().encode(fingerprint))).slice(0, 16);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version,
    createdAt: new Date().toISOString(),
    catalog: { products: products.length, tokens: index.tokenCount, ...(options.source && { source: options.source }) },
    tokenizer: { kind: tokenizer.kind, vocabSize: tokenizer.vocabSize },
    artifacts: {
      index: cut.index.ref,
      docs: cut.docs.ref,
      tokenizer: cut.tokenizer.ref,
      ...(cutQueries && { queries: cutQueries.ref }),
      ...Object.fromEntries(Object.entries(cutModel).map(([name, c]) => [name, c.ref])),
    },
    ...(model && { model: model.shape }),
  };
  const chunksMs = lap();
  return {
    manifest,
    chunks,
    stats: {
      products: products.length,
      tokens: index.tokenCount,
      vocabSize: tokenizer.vocabSize,
      truncatedTitles,
      titlesWithoutTokens,
      ...(queryIndex && { queries: queryIndex.size }),
      bytes: {
        index: index.bytes.length,
        docs: docStore.bytes.length,
        tokenizer: cut.tokenizer.ref.bytes,
        manifest: new TextEncoder().encode(JSON.stringify(manifest)).length,
        ...(cutQueries && { queries: cutQueries.ref.bytes }),
      },
      millis: { tokenize: tokenizeMs, index: indexMs, docs: docsMs, chunks: chunksMs },
    },
  };
}
