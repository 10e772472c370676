/**
 * Generative lexical retrieval: the span model writes spans under the FM index's constraint
 * (span-decoder.ts), and products are scored from the spans they contain, SEAL-style.
 *
 * A span's probability given the query is the total probability of the finished hypotheses that
 * wrote it (hypotheses renormalized among themselves); its weight is the log-odds of that
 * probability against the span's frequency in the catalog, w = log(p (1 - P) / ((1 - p) P)).
 * Candidates come from locating each span (at most `maxHitsPerSpan` occurrences); their titles are
 * read in one batch and each span found in a title adds its weight for the title positions it
 * covers that no heavier span covered, divided by the same title-length factor as fm-ngram.
 */
import type { Engine } from "../engine.ts";
import type { SpanDecoder } from "./span-decoder.ts";
import { highlightsOf } from "./highlight.ts";
import { indexOf } from "./tokens.ts";
import type { MatchedSpan, Retriever, SearchHit, SearchResult } from "./types.ts";

export interface LexicalOptions {
  readonly maxHitsPerSpan: number;
  readonly candidates: number;
  readonly lengthNorm: number;
  readonly maxQueryTokens: number;
}

export const DEFAULT_LEXICAL_OPTIONS: LexicalOptions = { maxHitsPerSpan: 512, candidates: 150, lengthNorm: 0.25, maxQueryTokens: 32 };

interface WeightedSpan {
  readonly tokens: number[];
  readonly weight: number;
}

export class LexicalRetriever implements Retriever {
  private readonly options: LexicalOptions;

  constructor(
    private readonly engine: Engine,
    private readonly decoder: SpanDecoder,
    options: Partial<LexicalOptions> = {},
    readonly name = "lexical",
  ) {
    this.options = { ...DEFAULT_LEXICAL_OPTIONS, ...options };
  }

  async search(query: string, k: number): Promise<SearchResult> {
    const timings: Record<string, number> = {};
    let t = performance.now();
    const lap = (phase: string): void => {
      const now = performance.now();
      timings[phase] = (timings[phase] ?? 0) + (now - t);
      t = now;
    };
    const { tokenizer, index, docs } = this.engine;
    const q = tokenizer.encode(query).slice(0, this.options.maxQueryTokens);
    lap("tokenize");
    const hypotheses = await this.decoder.decode(q);
    lap("decode");

    const spans = this.weigh(hypotheses);
    const found = new Map<number, number>();
    for (const span of spans) {
      const range = index.find(span.tokens);
      if (!range) continue;
      const seen = new Set<number>();
      for (const { doc } of await index.locate(range, this.options.maxHitsPerSpan)) {
        if (seen.has(doc)) continue;
        seen.add(doc);
        found.set(doc, (found.get(doc) ?? 0) + span.weight * span.tokens.length);
      }
    }
    const candidates = [...found]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, Math.max(k, this.options.candidates))
      .map(([doc]) => doc);
    lap("index");

    const products = await docs.get(candidates);
    lap("docs");
    const avgLength = Math.max(1, (index.header.textLength - index.docCount - 1) / Math.max(1, index.docCount));
    const b = this.options.lengthNorm;
    const scored = products.map((product, j) => {
      const pieces = tokenizer.pieces(product.title);
      const ids = pieces.map((p) => p.id);
      const covered = new Uint8Array(ids.length);
      let score = 0;
      const matched: MatchedSpan[] = [];
      for (const span of spans) {
        const start = indexOf(ids, span.tokens);
        if (start < 0) continue;
        let fresh = 0;
        for (let i = start; i < start + span.tokens.length; i++) if (!covered[i]) fresh++, (covered[i] = 1);
        if (fresh === 0) continue;
        score += span.weight * fresh;
        matched.push({ text: tokenizer.decode(span.tokens), start, length: span.tokens.length });
      }
      matched.sort((x, y) => x.start - y.start);
      return { product, pieces, doc: candidates[j]!, score: score / (1 - b + (b * ids.length) / avgLength), spans: matched };
    });
    scored.sort((x, y) => y.score - x.score || x.doc - y.doc);
    const hits: SearchHit[] = scored
      .filter((s) => s.score > 0)
      .slice(0, k)
      .map(({ product: p, pieces, score, spans: matched }) => ({
        id: p.id,
        title: p.title,
        score,
        spans: matched,
        highlights: highlightsOf(matched, pieces),
        ...(p.fields && { fields: p.fields }),
      }));
    lap("score");
    return { hits, timings };
  }

  /** Distinct generated spans with their SEAL weights, heaviest first. */
  private weigh(hypotheses: { spans: number[][]; logProb: number }[]): WeightedSpan[] {
    if (hypotheses.length === 0) return [];
    const { index } = this.engine;
    const N = Math.max(1, index.header.textLength - index.docCount - 1);
    const top = Math.max(...hypotheses.map((h) => h.logProb));
    const mass = hypotheses.map((h) => Math.exp(h.logProb - top));
    const total = mass.reduce((a, m) => a + m, 0);
    const prob = new Map<string, { tokens: number[]; p: number }>();
    hypotheses.forEach((h, i) => {
      for (const span of new Set(h.spans.map((s) => s.join(" ")))) {
        const entry = prob.get(span) ?? { tokens: span.split(" ").map(Number), p: 0 };
        entry.p += mass[i]! / total;
        prob.set(span, entry);
      }
    });
    const out: WeightedSpan[] = [];
    for (const { tokens, p } of prob.values()) {
      const F = index.count(tokens);
      if (F === 0) continue;
      const pq = Math.min(1 - 1e-6, Math.max(1e-6, p));
      const weight = Math.log(pq / (1 - pq)) + Math.log((N - F) / F);
      if (weight > 0) out.push({ tokens, weight });
    }
    return out.sort((a, b) => b.weight - a.weight || b.tokens.length - a.tokens.length);
  }
}
