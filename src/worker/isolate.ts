/**
 * What a Worker isolate keeps between requests: one engine provider (and so one chunk cache)
 * per KV namespace, and one semantic-origin client (and so one circuit breaker) per origin.
 */
import { SERVING_MEMO_OCCURRENCES } from "../core/engine.ts";
import { EXPERIMENT_KEY } from "../core/experiments/config.ts";
import { ExperimentSource } from "../core/experiments/source.ts";
import { CircuitBreaker, DEFAULT_COOLDOWN_MS } from "../core/resilience/circuit-breaker.ts";
import { EngineProvider } from "./engine-provider.ts";
import { KvBlobStore } from "./kv-blob-store.ts";
import { DEFAULT_MODE, DEFAULT_ORIGIN_TIMEOUT_MS, OriginClient, SEMANTIC_MODES, type SemanticMode } from "./origin-client.ts";
import { DEFAULT_RESULT_CACHE_SECONDS, ResultCache } from "./result-cache.ts";

export interface Env {
  INDEX: KVNamespace;
  /** Seconds between checks of the manifest pointer (default 30). */
  MANIFEST_TTL_SECONDS?: string;
  /** In-isolate chunk cache size in MiB (default 64). */
  CHUNK_CACHE_MB?: string;
  /** The index and the document store are each fetched whole on the first request if this size in MiB or less (default 4; 0 = always on demand). */
  PREFETCH_MB?: string;
  /** Located span occurrences the isolate remembers across queries (default 1048576, 8 bytes each; 0 = none). */
  LOCATE_MEMO_OCCURRENCES?: string;
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
  /** Base URL of the semantic origin (POST /v1/semantic-search); unset: `hybrid` serves lexical alone, degraded. */
  ORIGIN_URL?: string;
  /** Signs origin requests (HMAC-SHA256): a Worker secret, the origin's ORIGIN_SECRET; `.dev.vars` locally. */
  ORIGIN_SECRET?: string;
  /** The origin call's time budget in ms (default 250). */
  ORIGIN_TIMEOUT_MS?: string;
  /** The origin's ranker that `hybrid` fuses (default dense-ft, origin-client.ts DEFAULT_MODE; see SEMANTIC_MODES). */
  ORIGIN_MODE?: string;
  /** How long the origin's circuit stays open before a probe, in ms (default 10000). */
  ORIGIN_COOLDOWN_MS?: string;
  /** Lifetime of cached `hybrid` results in seconds (default 300; 0 = no caching). */
  RESULT_CACHE_SECONDS?: string;
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
    const prefetchBytes = Number(env.PREFETCH_MB ?? 4) * 1024 * 1024;
    const memoOccurrences = numberSetting("LOCATE_MEMO_OCCURRENCES", env.LOCATE_MEMO_OCCURRENCES, SERVING_MEMO_OCCURRENCES);
    const experimentTtl = Number(env.EXPERIMENT_TTL_SECONDS ?? 30) * 1000;
    const index = env.INDEX;
    const experiments = new ExperimentSource(() => index.get(EXPERIMENT_KEY, "text"), experimentTtl);
    isolate = { store, provider: new EngineProvider(store, ttl, cacheBytes, { prefetchBytes, memoOccurrences }), experiments };
    isolates.set(env.INDEX, isolate);
  }
  return isolate;
}

/** A number setting: its value when it is a finite number >= 0, else the default (and a log line). */
function numberSetting(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0) return n;
  console.error(`${name}=${JSON.stringify(value)} is not a number >= 0; using ${fallback}`);
  return fallback;
}

export type Origin = { readonly client: OriginClient; readonly mode: SemanticMode } | { readonly unavailable: string };

// One client, and so one circuit breaker, per origin configuration for the isolate's life.
const origins = new Map<string, OriginClient>();
const MAX_ORIGIN_CONFIGS = 8; // configurations change with deploys, not requests; bound it anyway

/** The isolate's client of the semantic origin, or why `hybrid` has none. */
export function originFor(env: Env): Origin {
  if (!env.ORIGIN_URL) return { unavailable: "origin not configured" };
  if (!env.ORIGIN_SECRET) return { unavailable: "origin not configured: ORIGIN_SECRET is not set" };
  const mode = (env.ORIGIN_MODE || DEFAULT_MODE) as SemanticMode;
  if (!SEMANTIC_MODES.includes(mode)) return { unavailable: `origin not configured: ORIGIN_MODE must be one of ${SEMANTIC_MODES.join(", ")}` };
  const timeoutMs = numberSetting("ORIGIN_TIMEOUT_MS", env.ORIGIN_TIMEOUT_MS, DEFAULT_ORIGIN_TIMEOUT_MS);
  const cooldownMs = numberSetting("ORIGIN_COOLDOWN_MS", env.ORIGIN_COOLDOWN_MS, DEFAULT_COOLDOWN_MS);
  const id = `${env.ORIGIN_URL} ${timeoutMs} ${cooldownMs} ${env.ORIGIN_SECRET}`;
  let client = origins.get(id);
  if (!client) {
    if (origins.size >= MAX_ORIGIN_CONFIGS) origins.clear();
    client = new OriginClient({ url: env.ORIGIN_URL, secret: env.ORIGIN_SECRET, timeoutMs }, new CircuitBreaker({ cooldownMs }));
    origins.set(id, client);
  }
  return { client, mode };
}

/** The result cache of `hybrid` answers. */
export function resultCacheFor<T>(env: Env): ResultCache<T> {
  return new ResultCache<T>(numberSetting("RESULT_CACHE_SECONDS", env.RESULT_CACHE_SECONDS, DEFAULT_RESULT_CACHE_SECONDS));
}
