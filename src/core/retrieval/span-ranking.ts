/**
 * Ranking products by weighted spans, shared by every lexical strategy (the query's own n-grams,
 * the span model's spans, or both).
 *
 * Candidates: each span's occurrences are located (at most `maxHitsPerSpan`), and products are
 * ranked by the weights of the spans found in them. Rescoring: the top `candidates` products'
 * titles (one batched read, the same that serves the result page) are matched against every
 * span, so a span too frequent to locate in full still counts. A span adds its weight once per
 * title position it covers that no heavier span covered (a unigram inside a counted bigram adds
 * nothing; a rare 4-gram outweighs two loose unigrams). With `coverage`, the title's coverage of
 * the query's words (word-coverage.ts) adds to that sum at its weight. The sum is divided by a
 * BM25-style title-length factor.
 */
import type { Engine } from "../engine.ts";
import type { SpanRange } from "../fm/fm-index.ts";
import { highlightsOf } from "./highlight.ts";
import { indexOf } from "./tokens.ts";
import type { MatchedSpan, SearchHit } from "./types.ts";
import type { WeightedCoverage } from "./word-coverage.ts";

export interface WeightedSpan {
  readonly tokens: number[];
  readonly range: SpanRange;
  readonly weight: number;
}

export interface RankingOptions {
  readonly maxHitsPerSpan: number;
  /** Occurrences located for all spans together, heaviest spans first (bounds the locate work). */
  readonly maxHitsPerQuery: number;
  /** Products rescored on their full titles. */
  readonly candidates: number;
  /** Title-length normalization, as BM25's b (0: none). */
  readonly lengthNorm: number;
  /** Credit a span per fresh title position it covers (true) or once, scaled by its fresh share (false, SEAL's original). */
  readonly perPosition: boolean;
  /** Weight of the title's coverage of the query's words in rescoring (word-coverage.ts; 0: off). */
  readonly wordCoverage: number;
}

/** SEAL's weight: the log-odds of a span given the query (p) against its catalog frequency F of N tokens. */
export function spanWeight(p: number, F: number, N: number): number {
  const pq = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(pq / (1 - pq)) + Math.log((N - F) / F);
}

/** One span per token sequence, the heaviest where several sources name it. */
export function strongest(spans: Iterable<WeightedSpan>): WeightedSpan[] {
  const byTokens = new Map<string, WeightedSpan>();
  for (const span of spans) {
    const key = span.tokens.join(" ");
    const known = byTokens.get(key);
    if (!known || known.weight < span.weight) byTokens.set(key, span);
  }
  return [...byTokens.values()];
}

/** Title tokens in the index (separators and sentinel excluded). */
export function indexedTokens(engine: Engine): number {
  const { header, docCount } = engine.index;
  return Math.max(1, header.textLength - docCount - 1);
}

export async function rankBySpans(
  engine: Engine,
  spans: readonly WeightedSpan[],
  k: number,
  options: RankingOptions,
  lap: (phase: string) => void,
  coverage?: WeightedCoverage,
): Promise<SearchHit[]> {
  const { tokenizer, index, docs } = engine;
  const ordered = [...spans].sort((a, b) => b.weight - a.weight || b.tokens.length - a.tokens.length);
  const found = new Map<number, number>();
  let budget = options.maxHitsPerQuery;
  for (const span of ordered) {
    if (budget <= 0) break;
    const seen = new Set<number>();
    const located = await index.locate(span.range, Math.min(options.maxHitsPerSpan, budget));
    budget -= located.length;
    for (const { doc } of located) {
      if (seen.has(doc)) continue;
      seen.add(doc);
      found.set(doc, (found.get(doc) ?? 0) + span.weight * span.tokens.length);
    }
  }
  const candidates = [...found]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, Math.max(k, options.candidates))
    .map(([doc]) => doc);
  lap("index");

  const products = await docs.get(candidates);
  lap("docs");

  const avgLength = indexedTokens(engine) / Math.max(1, index.docCount);
  const b = options.lengthNorm;
  const scored = products.map((product, j) => {
    const pieces = tokenizer.pieces(product.title);
    const ids = pieces.map((p) => p.id);
    const covered = new Uint8Array(ids.length);
    let score = 0;
    const matched: MatchedSpan[] = [];
    for (const span of ordered) {
      const start = indexOf(ids, span.tokens);
      if (start < 0) continue;
      let fresh = 0;
      for (let i = start; i < start + span.tokens.length; i++) {
        if (!covered[i]) fresh++;
        covered[i] = 1;
      }
      if (fresh === 0) continue;
      score += span.weight * (options.perPosition ? fresh : fresh / span.tokens.length);
      matched.push({ text: tokenizer.decode(span.tokens), start, length: span.tokens.length });
    }
    if (coverage) score += coverage.weight * coverage.words.score(product.title);
    matched.sort((x, y) => x.start - y.start);
    return { product, pieces, doc: candidates[j]!, score: score / (1 - b + (b * ids.length) / avgLength), matched };
  });
  scored.sort((x, y) => y.score - x.score || x.doc - y.doc);
  const hits = scored
    .filter((s) => s.score > 0)
    .slice(0, k)
    .map(({ product: p, pieces, score, matched }) => ({
      id: p.id,
      title: p.title,
      score,
      spans: matched,
      highlights: highlightsOf(matched, pieces),
      ...(p.fields && { fields: p.fields }),
    }));
  lap("score");
  return hits;
}

/** Wall time per phase: call lap(name) at the end of each phase. */
export function phaseTimer(): { timings: Record<string, number>; lap: (phase: string) => void } {
  const timings: Record<string, number> = {};
  let t = performance.now();
  return {
    timings,
    lap: (phase) => {
      const now = performance.now();
      timings[phase] = (timings[phase] ?? 0) + (now - t);
      t = now;
    },
  };
}
