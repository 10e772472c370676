/**
 * What a Worker isolate keeps between requests: one engine provider (and so one chunk cache)
 * per KV namespace.
 */
import { EXPERIMENT_KEY } from "../core/experiments/config.ts";
import { ExperimentSource } from "../core/experiments/source.ts";
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
  /** Seconds between checks of `experiments/current` in INDEX (default 30). */
  EXPERIMENT_TTL_SECONDS?: string;
  /** Signs QA override tokens: a Worker secret (`wrangler secret put QA_SECRET`; `.dev.vars` locally). */
  QA_SECRET?: string;
  /** Analytics Engine dataset for experiment events (optional). */
  ANALYTICS?: AnalyticsEngineDataset;
  /** "kv": also write experiment events into EVENTS (local development; Analytics Engine cannot be queried locally). */
  EVENTS_SINK?: string;
  /** KV namespace of the local event sink. */
  EVENTS?: KVNamespace;
  /** Lifetime of events in the KV sink in seconds (default 604800, at least 60). */
  EVENTS_TTL_SECONDS?: string;
}

export interface Isolate {
  readonly provider: EngineProvider;
  readonly store: KvBlobStore;
  readonly experiments: ExperimentSource;
}

const isolates = new WeakMap<KVNamespace, Isolate>();

export function isolateFor(env: Env): Isolate {
  let isolate = isolates.get(env.INDEX);
  if (!isolate) {
    const store = new KvBlobStore(env.INDEX);
    const ttl = Number(env.MANIFEST_TTL_SECONDS ?? 30) * 1000;
    const cacheBytes = Number(env.CHUNK_CACHE_MB ?? 64) * 1024 * 1024;
    const prefetchIndexBytes = Number(env.PREFETCH_INDEX_MB ?? 4) * 1024 * 1024;
    const experimentTtl = Number(env.EXPERIMENT_TTL_SECONDS ?? 30) * 1000;
    const index = env.INDEX;
    const experiments = new ExperimentSource(() => index.get(EXPERIMENT_KEY, "text"), experimentTtl);
    isolate = { store, provider: new EngineProvider(store, ttl, cacheBytes, { prefetchIndexBytes }), experiments };
    isolates.set(env.INDEX, isolate);
  }
  return isolate;
}
