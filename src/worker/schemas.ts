/**
 * The API's schemas: they validate requests and generate /openapi.json, so the document can
 * never drift from what the Worker accepts.
 */
import { z } from "@hono/zod-openapi";
import { USER_ID_RE } from "../core/experiments/config.ts";
import { STRATEGY_NAMES as STRATEGIES } from "../core/retrieval/strategies.ts";

export { STRATEGIES };
export const MAX_QUERY_CHARS = 256;
export const MAX_K = 100;
export const DEFAULT_K = 10;


const required = (field: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `${field} is required` : `${field} must be a string`;

export const QueryText = z
  .string({ error: required("q") })
  .refine((q) => q.trim() !== "", "q must not be empty")
  .refine((q) => q.length <= MAX_QUERY_CHARS, `q must be at most ${MAX_QUERY_CHARS} characters`)
  .openapi({ param: { name: "q", in: "query" }, example: "black door knob", description: `The shopper's query (1–${MAX_QUERY_CHARS} characters).` });

/** An optional count parameter `k` in [1, max]; `noun` names what is counted in the description. */
export function countParam(max: number, fallback: number, noun: string) {
  return z
    .string()
    .regex(/^\d{1,4}$/u, "k must be a whole number")
    .transform(Number)
    .refine((k) => k >= 1 && k <= max, `k must be between 1 and ${max}`)
    .optional()
    .openapi({ param: { name: "k", in: "query" }, example: String(fallback), description: `Number of ${noun}, 1–${max} (default ${fallback}).` });
}

export const ResultCount = countParam(MAX_K, DEFAULT_K, "results");

export const Strategy = z
  .enum(STRATEGIES, { error: `strategy must be one of: ${STRATEGIES.join(", ")}` })
  .optional()
  .openapi({ param: { name: "strategy", in: "query" }, description: "Retrieval path (default: the first listed)." });

export const QaArm = z
  .string()
  .optional()
  .openapi({ param: { name: "arm", in: "query" }, example: "B", description: "QA override: the arm to serve, with a signed `qa` token (ignored otherwise; `X-Experiment-QA` says why)." });

export const QaToken = z
  .string()
  .optional()
  .openapi({ param: { name: "qa", in: "query" }, description: "QA override token for `arm` (`edgespan qa-token`)." });

export const UserIdHeader = z
  .string()
  .regex(USER_ID_RE, "x-user-id must be 1–128 visible ASCII characters")
  .optional()
  .openapi({ param: { name: "x-user-id", in: "header" }, description: "The caller's stable user id for A/B assignment (else the `edgespan_uid` cookie, minted on the first visit)." });

export const ExperimentEcho = z
  .object({
    id: z.string().openapi({ example: "seal-vs-ngram" }),
    arm: z.string().openapi({ example: "B" }),
    source: z.enum(["hash", "qa"]).openapi({ description: "`hash`: assigned by the user's bucket; `qa`: a signed QA override." }),
  })
  .openapi("ExperimentAssignment", { description: "The A/B arm that served this request." });

export const MatchedSpan = z
  .object({
    text: z.string().openapi({ example: "door knob" }),
    start: z.number().int().openapi({ description: "Offset of the span's first token in the title's tokens." }),
    length: z.number().int(),
  })
  .openapi("MatchedSpan");

export const Highlight = z
  .object({ start: z.number().int(), end: z.number().int() })
  .openapi("Highlight", { description: "A character range [start, end) of the title to highlight." });

export const SearchHit = z
  .object({
    id: z.string().openapi({ example: "SKU-10159" }),
    title: z.string().openapi({ example: "Bluebird Matte Black Passage Door Knob" }),
    score: z.number(),
    spans: z.array(MatchedSpan).readonly(),
    highlights: z.array(Highlight).readonly(),
    fields: z.record(z.string(), z.string()).optional(),
    sid: z.array(z.number().int()).readonly().optional().openapi({ description: "The product's semantic ID, on hits the semantic origin returned (`hybrid`)." }),
  })
  .openapi("SearchHit");

export const SearchResponse = z
  .object({
    query: z.string(),
    k: z.number().int(),
    strategy: z.enum(STRATEGIES).openapi({ description: "The strategy asked for (by `strategy`, the A/B arm, or the default)." }),
    served: z.enum(STRATEGIES).openapi({ description: "The path that answered: `lexical` falls back to `fm-ngram` when the span model is unavailable; a degraded `hybrid` is served by its lexical half." }),
    fallback: z.string().optional().openapi({ description: "Why the asked-for strategy (for `hybrid`: its lexical half) did not serve." }),
    index: z.string().openapi({ description: "Version of the index that answered." }),
    hits: z.array(SearchHit).readonly(),
    corrections: z
      .array(z.object({ from: z.string(), to: z.string() }))
      .readonly()
      .optional()
      .openapi({ example: [{ from: "gaden", to: "garden" }], description: "`lexical` (and `hybrid`'s lexical half): query words found in no title, searched also as the closest catalog word." }),
    cacheHit: z.boolean().openapi({ description: "Answered from the result cache (`hybrid` only; the origin was not called)." }),
    degraded: z.boolean().openapi({ description: "`hybrid` answered without the semantic origin (lexical hits only); `degradedReason` says why." }),
    degradedReason: z
      .string()
      .optional()
      .openapi({ example: "origin timeout", description: "`origin not configured`, `circuit open`, `origin timeout` or `origin error: ...`." }),
    experiment: ExperimentEcho.nullable().openapi({ description: "The A/B arm whose strategy answered; null when no experiment applied (none active, or `strategy` named)." }),
  })
  .openapi("SearchResponse");

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_parameter" }),
      message: z.string().openapi({ example: "k must be between 1 and 100" }),
      field: z.string().optional().openapi({ example: "k" }),
    }),
  })
  .openapi("Error");

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
