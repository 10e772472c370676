import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { setMetric } from "hono/timing";
import { retrieverFor } from "../../core/retrieval/strategies.ts";
import { type Env, isolateFor } from "../isolate.ts";
import { DEFAULT_K, ErrorResponse, QueryText, ResultCount, STRATEGIES, SearchResponse, Strategy, jsonContent } from "../schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/search",
  summary: "Search the catalog",
  request: { query: z.object({ q: QueryText, k: ResultCount, strategy: Strategy }) },
  responses: {
    200: {
      ...jsonContent(SearchResponse, "Products with scores and the title spans that matched."),
      headers: z.object({
        "Server-Timing": z.string().openapi({ description: "Phases: manifest, tokenize, index, docs, score, total." }),
        "X-KV-Round-Trips": z.string().openapi({ description: "KV reads this request made." }),
      }),
    },
    400: jsonContent(ErrorResponse, "A parameter is missing or out of range; the error names it."),
    503: jsonContent(ErrorResponse, "No index is published."),
  },
});

export const search = new OpenAPIHono<{ Bindings: Env }>().openapi(route, async (c) => {
  const { q, k = DEFAULT_K, strategy = STRATEGIES[0] } = c.req.valid("query");
  const { provider, store } = isolateFor(c.env);
  const tripsBefore = store.roundTrips;
  const started = performance.now();
  const engine = await provider.engine();
  setMetric(c, "manifest", performance.now() - started);
  const result = await retrieverFor(engine, strategy).search(q, k);
  for (const [phase, ms] of Object.entries(result.timings)) setMetric(c, phase, ms);
  c.header("X-KV-Round-Trips", String(store.roundTrips - tripsBefore));
  return c.json({ query: q, k, strategy, index: engine.manifest.version, hits: result.hits }, 200);
});
