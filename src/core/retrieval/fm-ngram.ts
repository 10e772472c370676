/**
 * Model-free lexical retrieval through the FM index (SEAL-style n-gram scoring).
 *
 * Every n-gram of the query that occurs in the catalog is weighted by the log-odds of seeing it
 * given the query against seeing it at random in the catalog: w(g) = log(p(1 - P(g)) / ((1 - p) P(g))),
 * with P(g) = F(g) / N from the index and p the query likelihood (a constant here; the span
 * model replaces it with its own probability).
 *
 * Two phases. Candidates: at most `maxHitsPerNgram` occurrences of each n-gram are located and
 * products ranked by the weights of the n-grams found in them. Rescoring: the top `candidates`
 * products' titles (read in one batch, the same read that serves the result page) are matched
 * against every query n-gram, so an n-gram too frequent to locate in full still counts. A product
 * scores the sum of its n-grams' weights, heaviest first, each credited once per query position
 * it adds (coverage: a unigram inside a counted bigram adds nothing; crediting per position rather
 * than once, as SEAL does, lets a rare 4-gram outweigh two loose unigrams: +3.4 points Recall@10 on
 * a train sample), divided by a BM25-style title-length factor. Defaults were tuned on the train
 * split with src/eval/tune-fm-ngram.ts.
 */
import type { Engine } from "../engine.ts";
import type { SpanRange } from "../fm/fm-index.ts";
import { highlightsOf } from "./highlight.ts";
import { indexOf } from "./tokens.ts";
import type { MatchedSpan, Retriever, SearchHit, SearchResult } from "./types.ts";

export interface NgramOptions {
  readonly maxNgram: number;
  readonly maxHitsPerNgram: number;
  /** Products rescored on their full titles. */
  readonly candidates: number;
  readonly maxQueryTokens: number;
  /** Query likelihood p of an n-gram (0.5 makes the weight the n-gram's log inverse odds). */
  readonly queryLikelihood: number;
  /** How much a fully overlapped n-gram is discounted (1: it adds nothing). */
  readonly coverage: number;
  /** Credit an n-gram per fresh query position it covers (true) or once (false, SEAL's original). */
  readonly perPosition: boolean;
  /** Title-length normalization, as BM25's b (0: none). */
  readonly lengthNorm: number;
}

export const DEFAULT_NGRAM_OPTIONS: NgramOptions = {
  maxNgram: 4,
  maxHitsPerNgram: 768,
  candidates: 150,
  maxQueryTokens: 32,
  queryLikelihood: 0.5,
  coverage: 1,
  perPosition: true,
  lengthNorm: 0.25,
};

interface Ngram {
  readonly tokens: number[];
  readonly range: SpanRange;
  readonly weight: number;
  /** Query positions the n-gram covers, as a bit mask (queries are capped at 32 tokens). */
  readonly mask: number;
}

export class FmNgramRetriever implements Retriever {
  private readonly options: NgramOptions;

  constructor(
    private readonly engine: Engine,
    options: Partial<NgramOptions> = {},
    readonly name = "fm-ngram",
  ) {
    this.options = { ...DEFAULT_NGRAM_OPTIONS, ...options };
    if (this.options.maxQueryTokens > 32) throw new RangeError("maxQueryTokens is at most 32");
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

    await index.load(index.superblocksFor(q));
    const ngrams = this.ngrams(q);
    const found = new Map<number, number>();
    for (let g = 0; g < ngrams.length; g++) {
      const seen = new Set<number>();
      for (const { doc } of await index.locate(ngrams[g]!.range, this.options.maxHitsPerNgram)) {
        if (seen.has(doc)) continue;
        seen.add(doc);
        found.set(doc, (found.get(doc) ?? 0) + ngrams[g]!.weight * ngrams[g]!.tokens.length);
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
      const { score, spans } = this.rescore(ngrams, pieces.map((p) => p.id));
      return { product, pieces, doc: candidates[j]!, score: score / (1 - b + (b * pieces.length) / avgLength), spans };
    });
    scored.sort((x, y) => y.score - x.score || x.doc - y.doc);
    const hits: SearchHit[] = scored
      .filter((s) => s.score > 0)
      .slice(0, k)
      .map(({ product: p, pieces, score, spans }) => ({
        id: p.id,
        title: p.title,
        score,
        spans,
        highlights: highlightsOf(spans, pieces),
        ...(p.fields && { fields: p.fields }),
      }));
    lap("score");
    return { hits, timings };
  }

  /** All query n-grams that occur in the catalog, each found by extending the previous one. */
  private ngrams(q: number[]): Ngram[] {
    const { index } = this.engine;
    const N = Math.max(1, index.header.textLength - index.docCount - 1);
    const p = this.options.queryLikelihood;
    const prior = Math.log(p / (1 - p));
    const seen = new Set<string>();
    const out: Ngram[] = [];
    for (let i = 0; i < q.length; i++) {
      let range = index.tokenRange(q[i]!);
      for (let len = 1; range && len <= this.options.maxNgram; len++) {
        const tokens = q.slice(i, i + len);
        const key = tokens.join(" ");
        const F = range.hi - range.lo;
        const weight = prior + Math.log((N - F) / F);
        if (!seen.has(key) && weight > 0) {
          seen.add(key);
          let mask = 0;
          for (let j = i; j < i + len; j++) mask |= 1 << j;
          out.push({ tokens, range, weight, mask });
        }
        if (i + len >= q.length) break;
        range = index.extend(range, q[i + len]!);
      }
    }
    // Heaviest first; on a tie the longer n-gram, so it takes the credit for the positions it covers.
    return out.sort((a, b) => b.weight - a.weight || b.tokens.length - a.tokens.length);
  }

  /** Coverage-discounted sum of the weights of the n-grams that occur in a title. */
  private rescore(ngrams: Ngram[], title: number[]): { score: number; spans: MatchedSpan[] } {
    const beta = this.options.coverage;
    let covered = 0;
    let score = 0;
    const spans: MatchedSpan[] = [];
    for (const g of ngrams) {
      const start = indexOf(title, g.tokens);
      if (start < 0) continue;
      const freshCount = popcount(g.mask & ~covered);
      const fresh = freshCount / g.tokens.length;
      const gain = g.weight * (1 - beta + beta * fresh) * (this.options.perPosition ? g.tokens.length : 1);
      if (gain <= 0) continue;
      covered |= g.mask;
      score += gain;
      spans.push({ text: this.engine.tokenizer.decode(g.tokens), start, length: g.tokens.length });
    }
    return { score, spans: spans.sort((a, b) => a.start - b.start) };
  }
}


function popcount(x: number): number {
  let n = 0;
  for (; x !== 0; x &= x - 1) n++;
  return n;
}
