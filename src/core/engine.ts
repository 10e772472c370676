/**
 * One opened index version: tokenizer, FM index and document store read through a chunk cache.
 * Opening costs one round trip (all headers, the tokenizer and, for small catalogs, every index
 * and document chunk are requested in the same tick, which the cache coalesces into one store
 * call). An index fetched whole is also decoded whole: the first query's locate walks reach nearly
 * every superblock anyway, and on a cold isolate decoding them here, before the span model's
 * WebAssembly runs, measured about 100 ms faster than decoding them inside that query.
 */
import { QueryIndex } from "./autocomplete/query-index.ts";
import { DocStore } from "./docs/doc-store.ts";
import { FmIndex } from "./fm/fm-index.ts";
import { type ChunkCache, ChunkedSource } from "./storage/chunk-cache.ts";
import type { Manifest } from "./storage/manifest.ts";
import { loadTokenizer } from "./tokenizer/load.ts";
import type { Tokenizer } from "./tokenizer/tokenizer.ts";

export interface EngineOptions {
  /** The index and the document store are each fetched whole when opened if this size or less. Default 4 MiB. */
  readonly prefetchBytes?: number;
  /** Decoded superblocks kept per isolate. */
  readonly maxSuperblocks?: number;
  /** Located occurrences remembered across queries (FmIndex's OpenOptions). Default none. */
  readonly memoOccurrences?: number;
}

/** What the Worker and the CLI remember of located spans: 8 MiB packed, 512 spans located 2,048 deep. */
export const SERVING_MEMO_OCCURRENCES = 1 << 20;

export class Engine {
  private constructor(
    readonly manifest: Manifest,
    readonly tokenizer: Tokenizer,
    readonly index: FmIndex,
    readonly docs: DocStore,
    /** Past-query index for autocomplete, when the version has a query log. */
    readonly queries?: QueryIndex,
  ) {}

  static async open(cache: ChunkCache, manifest: Manifest, options: EngineOptions = {}): Promise<Engine> {
    const { index, docs, tokenizer, queries } = manifest.artifacts;
    const whole = (a: { bytes: number }) => a.bytes <= (options.prefetchBytes ?? 4 * 1024 * 1024);
    const prefetch = Promise.all([whole(index) && cache.get(index.chunks), whole(docs) && cache.get(docs.chunks)]);
    const tokenizerSource = new ChunkedSource(cache, tokenizer, "tokenizer");
    // The query log is small: read whole, in the same tick (so the same store call) as the headers.
    const queryIndex = queries
      ? new ChunkedSource(cache, queries, "queries")
          .read([{ offset: 0, length: queries.bytes }])
          .then(([b]) => QueryIndex.load(b!, `manifest ${manifest.version}: queries`))
      : Promise.resolve(undefined);
    const [tokenizerBytes, fm, docStore, , queryIdx] = await Promise.all([
      tokenizerSource.read([{ offset: 0, length: tokenizer.bytes }]).then(([b]) => b!),
      FmIndex.open(new ChunkedSource(cache, index, "index"), {
        ...(index.headerBytes !== undefined && { headerBytes: index.headerBytes }),
        ...(options.maxSuperblocks !== undefined && { maxSuperblocks: options.maxSuperblocks }),
        ...(options.memoOccurrences !== undefined && { memoOccurrences: options.memoOccurrences }),
      }),
      DocStore.open(new ChunkedSource(cache, docs, "docs"), docs.headerBytes ?? 0),
      prefetch,
      queryIndex,
    ]);
    if (whole(index)) await fm.loadAll();
    const tok = loadTokenizer(manifest.tokenizer.kind, tokenizerBytes);
    if (tok.vocabSize !== fm.vocabSize) {
      throw new Error(`manifest ${manifest.version}: tokenizer has ${tok.vocabSize} ids, index ${fm.vocabSize}`);
    }
    return new Engine(manifest, tok, fm, docStore, queryIdx);
  }
}
