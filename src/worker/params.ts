/** Query-string validation for the search API. */
import { invalidParameter } from "./errors.ts";

export const MAX_QUERY_CHARS = 256;
export const MAX_K = 100;
export const DEFAULT_K = 10;

/** Retrieval strategies this Worker serves. */
export const STRATEGIES = ["fm-ngram"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface SearchParams {
  readonly q: string;
  readonly k: number;
  readonly strategy: Strategy;
}

export function parseSearchParams(query: (name: string) => string | undefined): SearchParams {
  const q = query("q");
  if (q === undefined) throw invalidParameter("q", "q is required");
  if (q.trim() === "") throw invalidParameter("q", "q must not be empty");
  if (q.length > MAX_QUERY_CHARS) throw invalidParameter("q", `q must be at most ${MAX_QUERY_CHARS} characters`);
  const rawK = query("k");
  let k = DEFAULT_K;
  if (rawK !== undefined) {
    if (!/^\d{1,4}$/u.test(rawK)) throw invalidParameter("k", "k must be a whole number");
    k = Number(rawK);
    if (k < 1 || k > MAX_K) throw invalidParameter("k", `k must be between 1 and ${MAX_K}`);
  }
  const strategy = query("strategy") ?? STRATEGIES[0];
  if (!(STRATEGIES as readonly string[]).includes(strategy)) {
    throw invalidParameter("strategy", `strategy must be one of: ${STRATEGIES.join(", ")}`);
  }
  return { q, k, strategy: strategy as Strategy };
}
