/**
 * Schemas of GET /v1/autocomplete: they validate requests and describe the route in
 * /openapi.json, like src/worker/schemas.ts does for search.
 */
import { z } from "@hono/zod-openapi";
import { MAX_AUTOCOMPLETE_CHARS, MAX_SUGGESTIONS } from "../core/autocomplete/autocomplete.ts";
import { countParam } from "./schemas.ts";

export const DEFAULT_SUGGESTIONS = 8;

export const PartialQuery = z
  .string({ error: (issue) => (issue.input === undefined ? "q is required" : "q must be a string") })
  .refine((q) => q.trim() !== "", "q must not be empty")
  .refine((q) => q.length <= MAX_AUTOCOMPLETE_CHARS, `q must be at most ${MAX_AUTOCOMPLETE_CHARS} characters`)
  .openapi({
    param: { name: "q", in: "query" },
    example: "matte black d",
    description: `What the shopper has typed so far (1–${MAX_AUTOCOMPLETE_CHARS} characters); the last word may be partial, a trailing space ends it.`,
  });

export const SuggestionCount = countParam(MAX_SUGGESTIONS, DEFAULT_SUGGESTIONS, "suggestions");

export const Suggestion = z
  .object({
    text: z.string().openapi({ example: "matte black door knob" }),
    source: z.enum(["query", "title"]).openapi({ description: "`query`: a past query of the log; `title`: a phrase of product titles." }),
    score: z.number().openapi({ description: "Higher is better: 1 × the past-query share of the prefix + 0.5 × the title-phrase share." }),
  })
  .openapi("Suggestion");

export const AutocompleteResponse = z
  .object({
    query: z.string(),
    suggestions: z.array(Suggestion).readonly(),
    index: z.string().openapi({ description: "Version of the index that answered." }),
  })
  .openapi("AutocompleteResponse");
