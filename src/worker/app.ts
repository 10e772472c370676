/**
 * The Edgespan Worker: a Hono app over the engine. Routes stay thin; everything that knows about
 * retrieval lives in src/core, everything that knows about KV in the engine provider.
 */
import { Hono } from "hono";
import { setMetric, timing } from "hono/timing";
import { FmNgramRetriever } from "../core/retrieval/fm-ngram.ts";
import { EngineProvider, IndexUnavailable } from "./engine-provider.ts";
import { ApiError } from "./errors.ts";
import { KvBlobStore } from "./kv-blob-store.ts";
import { parseSearchParams } from "./params.ts";

export interface Env {
  INDEX: KVNamespace;
  /** Seconds between checks of the manifest pointer (default 30). */
  MANIFEST_TTL_SECONDS?: string;
  /** In-isolate chunk cache size in MiB (default 64). */
  CHUNK_CACHE_MB?: string;
  /** Index artifacts up to this size in MiB are fetched whole on the first request (default 4; 0 = always lazy). */
  PREFETCH_INDEX_MB?: string;
}

interface Isolate {
  provider: EngineProvider;
  store: KvBlobStore;
}

// One provider per KV namespace per isolate: the chunk cache outlives requests.
const isolates = new WeakMap<KVNamespace, Isolate>();

function isolateFor(env: Env): Isolate {
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

export function createApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();
  app.use(timing({ crossOrigin: true }));

  app.get("/health", async (c) => {
    const { provider } = isolateFor(c.env);
    const engine = await provider.engine();
    const { version, catalog } = engine.manifest;
    return c.json({ status: "ok", index: { version, products: catalog.products } });
  });

  app.get("/v1/search", async (c) => {
    const { q, k, strategy } = parseSearchParams((name) => c.req.query(name));
    const { provider, store } = isolateFor(c.env);
    const tripsBefore = store.roundTrips;
    const started = performance.now();
    const engine = await provider.engine();
    setMetric(c, "manifest", performance.now() - started);
    const result = await new FmNgramRetriever(engine).search(q, k);
    for (const [phase, ms] of Object.entries(result.timings)) setMetric(c, phase, ms);
    c.header("X-KV-Round-Trips", String(store.roundTrips - tripsBefore));
    return c.json({
      query: q,
      k,
      strategy,
      index: engine.manifest.version,
      hits: result.hits,
    });
  });

  app.notFound((c) => c.json(new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`).toJSON(), 404));

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toJSON(), err.status);
    if (err instanceof IndexUnavailable) return c.json(new ApiError(503, "index_unavailable", err.message).toJSON(), 503);
    console.error(err);
    return c.json({ error: { code: "internal", message: "internal error" } }, 500);
  });
  return app;
}
