/**
 * GET /v1/autocomplete: completions of a partly typed query from past queries and title phrases
 * (src/core/autocomplete). Lookups only, no model call. Responses are public and cacheable for a
 * minute at the edge (they depend on the query and the index version only), and CORS-open so a
 * page on another origin can call it while the shopper types.
 */
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { setMetric } from "hono/timing";
import { autocomplete as complete } from "../../core/autocomplete/autocomplete.ts";
import { AutocompleteResponse, DEFAULT_SUGGESTIONS, PartialQuery, SuggestionCount } from "../autocomplete-schemas.ts";
import { type Env, isolateFor } from "../isolate.ts";
import { ErrorResponse, jsonContent } from "../schemas.ts";

export const AUTOCOMPLETE_PATH = "/v1/autocomplete";
export const AUTOCOMPLETE_CACHE_CONTROL = "public, max-age=60";

const route = createRoute({
  method: "get",
  path: AUTOCOMPLETE_PATH,
  summary: "Complete a partly typed query",
  description:
    "Suggestions from past queries and from product-title phrases (FM-index next-token enumeration), deduplicated and ranked. No model call.",
  request: { query: z.object({ q: PartialQuery, k: SuggestionCount }) },
  responses: {
    200: {
      ...jsonContent(AutocompleteResponse, "Suggestions, best first."),
      headers: z.object({
        "Cache-Control": z.string().openapi({ example: AUTOCOMPLETE_CACHE_CONTROL }),
        "Access-Control-Allow-Origin": z.string().openapi({ example: "*" }),
        "Server-Timing": z.string().openapi({ description: "Phases: manifest, parse, queries, titles, merge, total." }),
        "X-KV-Round-Trips": z.string().openapi({ description: "KV reads this request made." }),
      }),
    },
    400: jsonContent(ErrorResponse, "A parameter is missing or out of range; the error names it."),
    503: jsonContent(ErrorResponse, "No index is published."),
  },
});

export const autocomplete = new OpenAPIHono<{ Bindings: Env }>();
autocomplete.use(AUTOCOMPLETE_PATH, cors({ origin: "*", allowMethods: ["GET", "OPTIONS"], exposeHeaders: ["Server-Timing", "X-KV-Round-Trips"], maxAge: 86400 }));
autocomplete.openapi(route, async (c) => {
  const { q, k = DEFAULT_SUGGESTIONS } = c.req.valid("query");
  const { provider, store } = isolateFor(c.env);
  const tripsBefore = store.roundTrips;
  const started = performance.now();
  const engine = await provider.engine();
  setMetric(c, "manifest", performance.now() - started);
  const result = await complete(engine, q, k);
  for (const [phase, ms] of Object.entries(result.timings)) setMetric(c, phase, ms);
  c.header("Cache-Control", AUTOCOMPLETE_CACHE_CONTROL);
  c.header("X-KV-Round-Trips", String(store.roundTrips - tripsBefore));
  return c.json({ query: q, suggestions: result.suggestions, index: engine.manifest.version }, 200);
});
