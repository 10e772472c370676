/**
 * What a Worker isolate keeps between requests: one engine provider (and so one chunk cache)
 * per KV namespace.
 */
import { EngineProvider } from "./engine-provider.ts";
import { KvBlobStore } from "./kv-blob-store.ts";

export interface Env {
  INDEX: KVNamespace;
  /** Seconds between checks of the manifest pointer (default 30). */
  MANIFEST_TTL_SECONDS?: string;
  /** In-isolate chunk cache size in MiB (default 64). */
  CHUNK_CACHE_MB?: string;
  /** Index artifacts up to this size in MiB are fetched whole on the first request (default 4; 0 = always lazy). */
  PREFETCH_INDEX_MB?: string;
}

export interface Isolate {
  readonly provider: EngineProvider;
  readonly store: KvBlobStore;
}

const isolates = new WeakMap<KVNamespace, Isolate>();

export function isolateFor(env: Env): Isolate {
  let isolate = isolates.get(env.INDEX);
  if (!isolate) {
    const store = new KvBlobStore(env.INDEX);
    const ttl = Number(env.MANIFEST_TTL_SECONDS ?? 30) * 1000;
    const cacheBytes = Number(env.CHUNK_CACHE_MB ?? 64) * 1024 * 1024;
    const prefetchIndexBytes = Number(env.PREFETCH_INDEX_MB ?? 4) * 1024 * 1024;
    isolate = { store, provider: new EngineProvider(store, ttl, cacheBytes, { prefetchIndexBytes }) };
    isolates.set(env.INDEX, isolate);
  }
  return isolate;
}
