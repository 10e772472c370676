/**
 * Autocomplete: completions of a partly typed query from two sources, merged, deduplicated and
 * ranked. No model is called; everything is a lookup.
 *
 *   - "query": past queries of the log that start with what was typed (QueryIndex);
 *   - "title": phrases of product titles that continue the typed words (titlePhrases, FM index).
 *
 * Scoring. Each source estimates the chance of a completion given what was typed:
 *   query: count / (count of all logged queries with this prefix + 1)
 *          (the +1 is one unseen query's worth of doubt, so a prefix matched by a single logged
 *          query once does not score as if it were certain);
 *   title: count of the phrase's first completed word after the context / count of all words
 *          that follow the context and start with the partial word (see title-phrases.ts).
 * score = 1.0 × query estimate + 0.5 × title estimate. Past queries weigh double: they say what
 * shoppers look for, titles only what the catalog holds. Suggestions are deduplicated on their
 * normalized words (the word tokenizer's split, so "3/4 in. hose" and "3/4 in hose" are one);
 * a suggestion found by both sources gets both terms and is shown as the logged query ("query"),
 * which keeps the shopper's spelling. Ties: query before title, then shorter, then alphabetical.
 */
import type { FmIndex } from "../fm/fm-index.ts";
import type { Tokenizer } from "../tokenizer/tokenizer.ts";
import { words } from "../tokenizer/word-tokenizer.ts";
import { parsePrefix } from "./prefix.ts";
import type { QueryIndex } from "./query-index.ts";
import { DEFAULT_TITLE_OPTIONS, type TitleOptions, hasWordVocabulary, titlePhrases } from "./title-phrases.ts";

export const MAX_AUTOCOMPLETE_CHARS = 256;
export const MAX_SUGGESTIONS = 20;
export const QUERY_WEIGHT = 1;
export const TITLE_WEIGHT = 0.5;

export type SuggestionSource = "query" | "title";

export interface Suggestion {
  readonly text: string;
  readonly source: SuggestionSource;
  readonly score: number;
}

/** What autocomplete reads: an Engine has all three (queries when its manifest has a query log). */
export interface AutocompleteSources {
  readonly index: FmIndex;
  readonly tokenizer: Tokenizer;
  readonly queries?: QueryIndex | undefined;
}

export interface AutocompleteResult {
  readonly suggestions: Suggestion[];
  /** Milliseconds per phase: parse, queries, titles, merge. */
  readonly timings: Record<string, number>;
  /** Work done: logged queries looked at, title candidate tokens looked at. */
  readonly work: { readonly queriesScanned: number; readonly titleCandidates: number };
}

export async function autocomplete(
  sources: AutocompleteSources,
  q: string,
  k: number,
  titleOptions: TitleOptions = DEFAULT_TITLE_OPTIONS,
): Promise<AutocompleteResult> {
  if (q.length > MAX_AUTOCOMPLETE_CHARS) throw new RangeError(`autocomplete: q is longer than ${MAX_AUTOCOMPLETE_CHARS} characters`);
  if (!Number.isInteger(k) || k < 1 || k > MAX_SUGGESTIONS) throw new RangeError(`autocomplete: k must be an integer from 1 to ${MAX_SUGGESTIONS}`);
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (phase: string): void => {
    const now = performance.now();
    timings[phase] = now - t;
    t = now;
  };

  const prefix = parsePrefix(q);
  lap("parse");
  if (prefix.normalized === "") return { suggestions: [], timings, work: { queriesScanned: 0, titleCandidates: 0 } };

  const merged = new Map<string, { text: string; source: SuggestionSource; score: number }>();
  const lookup = sources.queries?.complete(prefix.queryPrefix, k);
  for (const m of lookup?.matches ?? []) {
    const key = words(m.text).join(" ");
    const score = (QUERY_WEIGHT * m.count) / (lookup!.rangeCount + 1);
    const seen = merged.get(key);
    if (seen) seen.score += score; // two logged spellings of the same words
    else merged.set(key, { text: m.text, source: "query", score });
  }
  lap("queries");

  const { index, tokenizer } = sources;
  const titles = hasWordVocabulary(tokenizer) ? await titlePhrases(index, tokenizer, prefix, k, titleOptions) : undefined;
  lap("titles");

  for (const p of titles?.phrases ?? []) {
    const key = words(p.text).join(" ");
    const score = TITLE_WEIGHT * p.share;
    const seen = merged.get(key);
    if (seen) seen.score += score;
    else merged.set(key, { text: p.text, source: "title", score });
  }
  const suggestions = [...merged.values()]
    .sort(
      (a, b) =>
        b.score - a.score ||
        (a.source === b.source ? 0 : a.source === "query" ? -1 : 1) ||
        a.text.length - b.text.length ||
        (a.text < b.text ? -1 : a.text > b.text ? 1 : 0),
    )
    .slice(0, k)
    .map((s) => ({ text: s.text, source: s.source, score: Math.round(s.score * 1e4) / 1e4 }));
  lap("merge");
  return { suggestions, timings, work: { queriesScanned: lookup?.scanned ?? 0, titleCandidates: titles?.candidates ?? 0 } };
}
