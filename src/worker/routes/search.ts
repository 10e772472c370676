import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { setMetric } from "hono/timing";
import type { Engine } from "../../core/engine.ts";
import type { SpanModelExport } from "../../core/model/span-session.ts";
import type { ChunkCache } from "../../core/storage/chunk-cache.ts";
import { FALLBACK, type StrategyName, modelFreeRetriever } from "../../core/retrieval/strategies.ts";
import type { Retriever } from "../../core/retrieval/types.ts";
import { type ExperimentVariables, experimentOf, experiments } from "../experiments.ts";
import { hybridSearch } from "../hybrid.ts";
import { type Env, isolateFor } from "../isolate.ts";
import { type ModelVariables, lexicalFor } from "../lexical.ts";
import { DEFAULT_K, ErrorResponse, QaArm, QaToken, QueryText, ResultCount, STRATEGIES, SearchResponse, Strategy, UserIdHeader, jsonContent } from "../schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/search",
  summary: "Search the catalog",
  request: {
    query: z.object({ q: QueryText, k: ResultCount, strategy: Strategy, arm: QaArm, qa: QaToken }),
    headers: z.object({ "x-user-id": UserIdHeader }),
  },
  responses: {
    200: {
      ...jsonContent(SearchResponse, "Products with scores and the title spans that matched."),
      headers: z.object({
        "Server-Timing": z.string().openapi({ description: "Phases: manifest, tokenize, index, docs, score, total; `lexical` adds model (loading it, first request only), encode and decode; `hybrid` adds cache, origin (the call's wall time, overlapping lexical) and fuse." }),
        "X-KV-Round-Trips": z.string().openapi({ description: "KV reads this request made." }),
        "X-Fallback": z.string().optional().openapi({ description: "Why `lexical` did not serve (the model-free path answered)." }),
        "X-Experiment-Arm": z.string().optional().openapi({ description: "`<experiment>/<arm>` when an A/B arm served the request." }),
        "X-Experiment-QA": z.string().optional().openapi({ description: "`accepted`, or `ignored; reason=...` when `arm`/`qa` asked for an override." }),
        "Set-Cookie": z.string().optional().openapi({ description: "`edgespan_uid`, the A/B user id, minted on the first visit (HttpOnly, SameSite=Lax, one year)." }),
      }),
    },
    400: jsonContent(ErrorResponse, "A parameter is missing or out of range; the error names it."),
    503: jsonContent(ErrorResponse, "No index is published."),
  },
});

export const search = new OpenAPIHono<{ Bindings: Env; Variables: ExperimentVariables & ModelVariables }>();
search.use("/v1/search", experiments()); // A/B arm, user cookie, exposure/outcome events

search.openapi(route, async (c) => {
  const { q, k = DEFAULT_K, strategy: named } = c.req.valid("query");
  const { provider, store } = isolateFor(c.env);
  const tripsBefore = store.roundTrips;
  const started = performance.now();
  const engine = await provider.engine();
  setMetric(c, "manifest", performance.now() - started);
  const { assignment } = await experimentOf(c);
  const strategy = named ?? assignment?.arm.strategy ?? STRATEGIES[0];
  const experiment = assignment ? { id: assignment.experiment.id, arm: assignment.arm.name, source: assignment.source } : null;
  const index = engine.manifest.version;
  if (strategy === "hybrid") {
    const answer = await hybridSearch({ query: q, k, engine, env: c.env, startedAt: started, lexical: () => resolve(engine, "lexical", provider.cache, c.get("bundledModel")), background: (work) => waitUntil(c, work) });
    const { timings, served, fallback, hits, corrections, cacheHit, degraded, degradedReason } = answer;
    for (const [phase, ms] of Object.entries(timings)) setMetric(c, phase, ms);
    if (fallback) c.header("X-Fallback", fallback);
    c.header("X-KV-Round-Trips", String(store.roundTrips - tripsBefore));
    Object.assign(c.get("outcome") ?? {}, { cacheHit, degraded });
    return c.json({ query: q, k, strategy, served, ...(fallback && { fallback }), index, hits, ...(corrections && { corrections }), cacheHit, degraded, ...(degradedReason && { degradedReason }), experiment }, 200);
  }
  const resolving = performance.now();
  const { retriever, served, fallback } = await resolve(engine, strategy, provider.cache, c.get("bundledModel"));
  if (strategy === "lexical") setMetric(c, "model", performance.now() - resolving); // the span model's load, on an isolate's first request
  if (fallback) c.header("X-Fallback", fallback);
  const result = await retriever.search(q, k);
  for (const [phase, ms] of Object.entries(result.timings)) setMetric(c, phase, ms);
  c.header("X-KV-Round-Trips", String(store.roundTrips - tripsBefore));
  const { corrections } = result;
  return c.json({ query: q, k, strategy, served, ...(fallback && { fallback }), index, hits: result.hits, ...(corrections && { corrections }), cacheHit: false, degraded: false, experiment }, 200);
});

/** Work that outlives the response (a cache write); without an execution context it just runs. */
function waitUntil(c: { executionCtx: ExecutionContext }, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // app.request in a unit test has no execution context
  }
}

/** The retriever of a strategy; `lexical` falls back to the model-free path when the span model is unavailable. */
async function resolve(
  engine: Engine,
  strategy: Exclude<StrategyName, "hybrid">,
  cache: ChunkCache,
  bundledModel: SpanModelExport | undefined,
): Promise<{ retriever: Retriever; served: StrategyName; fallback?: string }> {
  if (strategy !== "lexical") return { retriever: modelFreeRetriever(engine, strategy), served: strategy };
  const lexical = await lexicalFor(engine, cache, bundledModel);
  if ("retriever" in lexical) return { retriever: lexical.retriever, served: "lexical" };
  return { retriever: modelFreeRetriever(engine, FALLBACK), served: FALLBACK, fallback: lexical.unavailable };
}
