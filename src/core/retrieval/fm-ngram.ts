/**
 * Model-free lexical retrieval through the FM index (SEAL-style n-gram scoring).
 *
 * Every n-gram of the query that occurs in the catalog is weighted by the log-odds of seeing it
 * given the query against seeing it at random in the catalog: w(g) = log(p(1 - P(g)) / ((1 - p) P(g))),
 * with P(g) = F(g) / N from the index and p the query likelihood (a constant here; the span
 * model replaces it with its own probability). A product scores the sum of its n-grams' weights,
 * taken heaviest first, each scaled by the share of query positions it adds (coverage), so a
 * unigram inside an already counted bigram adds nothing. At most `maxHitsPerNgram` occurrences
 * of each n-gram are located.
 */
import type { Engine } from "../engine.ts";
import type { SpanRange } from "../fm/fm-index.ts";
import type { MatchedSpan, Retriever, SearchHit, SearchResult } from "./types.ts";

export interface NgramOptions {
  readonly maxNgram: number;
  readonly maxHitsPerNgram: number;
  readonly maxQueryTokens: number;
  /** Query likelihood p of an n-gram (0.5 makes the weight the n-gram's log inverse odds). */
  readonly queryLikelihood: number;
  /** How much a fully overlapped n-gram is discounted (1: it adds nothing). */
  readonly coverage: number;
}

export const DEFAULT_NGRAM_OPTIONS: NgramOptions = {
  maxNgram: 4,
  maxHitsPerNgram: 256,
  maxQueryTokens: 32,
  queryLikelihood: 0.5,
  coverage: 1,
};

interface Ngram {
  readonly start: number;
  readonly tokens: number[];
  readonly range: SpanRange;
  readonly weight: number;
  /** Query positions the n-gram covers, as a bit mask (queries are capped at 32 tokens). */
  readonly mask: number;
}

interface DocMatch {
  ngram: number;
  offset: number;
}

export class FmNgramRetriever implements Retriever {
  readonly name = "fm-ngram";
  private readonly options: NgramOptions;

  constructor(
    private readonly engine: Engine,
    options: Partial<NgramOptions> = {},
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
    const matches = new Map<number, DocMatch[]>();
    for (let g = 0; g < ngrams.length; g++) {
      for (const occ of await index.locate(ngrams[g]!.range, this.options.maxHitsPerNgram)) {
        let list = matches.get(occ.doc);
        if (!list) matches.set(occ.doc, (list = []));
        list.push({ ngram: g, offset: occ.offset });
      }
    }
    lap("index");

    const scored = this.score(ngrams, matches, k);
    lap("score");

    const products = await docs.get(scored.map((s) => s.doc));
    const hits: SearchHit[] = scored.map((s, j) => {
      const p = products[j]!;
      return { id: p.id, title: p.title, score: s.score, spans: s.spans, ...(p.fields && { fields: p.fields }) };
    });
    lap("docs");
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
          out.push({ start: i, tokens, range, weight, mask });
        }
        if (i + len >= q.length) break;
        range = index.extend(range, q[i + len]!);
      }
    }
    return out.sort((a, b) => b.weight - a.weight);
  }

  private score(ngrams: Ngram[], matches: Map<number, DocMatch[]>, k: number): { doc: number; score: number; spans: MatchedSpan[] }[] {
    const beta = this.options.coverage;
    const scored: { doc: number; score: number; matched: DocMatch[] }[] = [];
    for (const [doc, list] of matches) {
      // ngrams are sorted by weight, so sorting by index visits the heaviest first.
      list.sort((a, b) => a.ngram - b.ngram || a.offset - b.offset);
      let covered = 0;
      let score = 0;
      const matched: DocMatch[] = [];
      let last = -1;
      for (const m of list) {
        if (m.ngram === last) continue; // one credit per n-gram and product
        last = m.ngram;
        const g = ngrams[m.ngram]!;
        const fresh = popcount(g.mask & ~covered) / g.tokens.length;
        const gain = g.weight * (1 - beta + beta * fresh);
        if (gain <= 0) continue;
        covered |= g.mask;
        score += gain;
        matched.push(m);
      }
      scored.push({ doc, score, matched });
    }
    scored.sort((a, b) => b.score - a.score || a.doc - b.doc);
    const { tokenizer } = this.engine;
    return scored.slice(0, k).map(({ doc, score, matched }) => ({
      doc,
      score,
      spans: matched
        .map((m) => {
          const g = ngrams[m.ngram]!;
          return { text: tokenizer.decode(g.tokens), start: m.offset, length: g.tokens.length };
        })
        .sort((a, b) => a.start - b.start),
    }));
  }
}

function popcount(x: number): number {
  let n = 0;
  for (; x !== 0; x &= x - 1) n++;
  return n;
}
