/**
 * An engine over a catalog held in memory: builds the artifacts, publishes them into an
 * in-memory store and opens them exactly as the Worker does, minus the network.
 */
import { type ArtifactOptions, buildArtifacts } from "../core/artifacts.ts";
import type { Product } from "../core/catalog/product.ts";
import { Engine, SERVING_MEMO_OCCURRENCES } from "../core/engine.ts";
import { FmNgramRetriever, type NgramOptions } from "../core/retrieval/fm-ngram.ts";
import type { Retriever } from "../core/retrieval/types.ts";
import { MemoryBlobStore } from "../core/storage/blob-store.ts";
import { ChunkCache } from "../core/storage/chunk-cache.ts";
import { publish } from "../core/storage/publish.ts";

export interface LocalEngine {
  readonly engine: Engine;
  readonly store: MemoryBlobStore;
  retriever(name: "fm-ngram", options?: Partial<NgramOptions>): Retriever;
}

export async function openLocalEngine(products: readonly Product[], options: ArtifactOptions = {}): Promise<LocalEngine> {
  const built = await buildArtifacts(products, options);
  const store = new MemoryBlobStore();
  await publish(store, built.manifest, built.chunks);
  const engine = await Engine.open(new ChunkCache(store, Number.POSITIVE_INFINITY), built.manifest, {
    prefetchBytes: Number.POSITIVE_INFINITY,
    memoOccurrences: SERVING_MEMO_OCCURRENCES,
  });
  return {
    engine,
    store,
    retriever: (name, ngramOptions) => {
      if (name !== "fm-ngram") throw new Error(`unknown retriever ${name}`);
      return new FmNgramRetriever(engine, ngramOptions);
    },
  };
}
