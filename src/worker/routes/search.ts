import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { setMetric } from "hono/timing";
import { retrieverFor } from "../../core/retrieval/strategies.ts";
import { type ExperimentVariables, experimentOf, experiments } from "../experiments.ts";
import { type Env, isolateFor } from "../isolate.ts";
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
        "Server-Timing": z.string().openapi({ description: "Phases: manifest, tokenize, index, docs, score, total." }),
        "X-KV-Round-Trips": z.string().openapi({ description: "KV reads this request made." }),
        "X-Experiment-Arm": z.string().optional().openapi({ description: "`<experiment>/<arm>` when an A/B arm served the request." }),
        "X-Experiment-QA": z.string().optional().openapi({ description: "`accepted`, or `ignored; reason=...` when `arm`/`qa` asked for an override." }),
        "Set-Cookie": z.string().optional().openapi({ description: "`edgespan_uid`, the A/B user id, minted on the first visit (HttpOnly, SameSite=Lax, one year)." }),
      }),
    },
    400: jsonContent(ErrorResponse, "A parameter is missing or out of range; the error names it."),
    503: jsonContent(ErrorResponse, "No index is published."),
  },
});

export const search = new OpenAPIHono<{ Bindings: Env; Variables: ExperimentVariables }>();
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
  const result = await retrieverFor(engine, strategy).search(q, k);
  for (const [phase, ms] of Object.entries(result.timings)) setMetric(c, phase, ms);
  c.header("X-KV-Round-Trips", String(store.roundTrips - tripsBefore));
  const experiment = assignment ? { id: assignment.experiment.id, arm: assignment.arm.name, source: assignment.source } : null;
  return c.json({ query: q, k, strategy, index: engine.manifest.version, hits: result.hits, experiment }, 200);
});
