/**
 * Generative lexical retrieval: the span model writes spans under the FM index's constraint
 * (span-decoder.ts), and products are ranked by the spans they contain (span-ranking.ts).
 *
 * A span's probability given the query is the total probability of the finished hypotheses that
 * wrote it (hypotheses renormalized among themselves); its weight is SEAL's log-odds of that
 * probability against the span's catalog frequency. With `queryNgrams`, the query's own n-grams
 * join as spans with fm-ngram's constant likelihood (a span both sources name keeps the larger
 * weight): the model then adds what the words of the query cannot find. So do the n-grams of the
 * query's rewrites (query-rewrites.ts: typos corrected; plurals and compounds), at their rewrite's
 * weight. Rescoring adds how well each title covers the query's words (word-coverage.ts: exact,
 * prefix or typo matches), the evidence that spans of pieces miss.
 */
import type { Engine } from "../engine.ts";
import { DEFAULT_NGRAM_OPTIONS, type NgramOptions, queryNgrams, rewriteNgrams } from "./fm-ngram.ts";
import { type QueryRewriter, type RewriteOptions, queryRewriter } from "./query-rewrites.ts";
import type { Hypothesis, SpanDecoder } from "./span-decoder.ts";
import { type RankingOptions, type WeightedSpan, indexedTokens, phaseTimer, rankBySpans, spanWeight, strongest } from "./span-ranking.ts";
import type { Correction, Retriever, SearchResult } from "./types.ts";
import { type WeightedCoverage, queryCoverage } from "./word-coverage.ts";

export interface LexicalOptions extends RankingOptions, RewriteOptions {
  readonly maxQueryTokens: number;
  /** Add the query's own n-grams as spans, and those of its rewrites (RewriteOptions). */
  readonly queryNgrams: boolean;
  /** Multiplier on generated spans' weights (their model term can swamp the query's n-grams). */
  readonly modelWeight: number;
  readonly ngrams: Pick<NgramOptions, "maxNgram" | "queryLikelihood">;
}

/**
 * Tuned on train queries 0..400 with src/eval/tune-lexical.ts, Recall@10: 0.4710 with fm-ngram's
 * locate budget and weights of the time; 0.4912 locating up to 2,048 occurrences a span (a product
 * that holds two frequent query words is often in neither's first 512), a query n-gram's
 * likelihood 0.8 and length normalization 0.15; 0.5134 with word coverage at 2 (0.5086 with the
 * model's spans off; weights 1 / 3: 0.5133 / 0.5150). 4,096 occurrences a query instead of 8,192
 * cost 0.0006 and keep the Worker's warm median under 25 ms. On train queries 400..1200: 0.4405,
 * 0.4517, 0.4736. (word-coverage.ts's stems, tuned after, brought 0..400 to 0.5275.) fm-ngram
 * took over these settings (fm-ngram.ts), so the two paths rank the query's spans alike.
 */
const { maxNgram, queryLikelihood, ...ranking } = DEFAULT_NGRAM_OPTIONS;
export const DEFAULT_LEXICAL_OPTIONS: LexicalOptions = {
  ...ranking,
  queryNgrams: true,
  modelWeight: 0.25,
  ngrams: { maxNgram, queryLikelihood },
};

export class LexicalRetriever implements Retriever {
  private readonly options: LexicalOptions;
  private readonly rewriter: QueryRewriter | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly decoder: SpanDecoder,
    options: Partial<LexicalOptions> = {},
    readonly name = "lexical",
  ) {
    this.options = { ...DEFAULT_LEXICAL_OPTIONS, ...options };
    this.rewriter = queryRewriter(engine, this.options, decoder.spanStarts);
  }

  async search(query: string, k: number): Promise<SearchResult> {
    const { timings, lap } = phaseTimer();
    const { tokenizer, index } = this.engine;
    const { maxQueryTokens, ngrams, wordCoverage } = this.options;
    const q = tokenizer.encode(query).slice(0, maxQueryTokens);
    lap("tokenize");
    // The query's own superblocks (its n-grams, the spans' likely starts) load while the model runs.
    const prefetch = this.options.queryNgrams ? index.load(index.superblocksFor(q)) : undefined;
    const hypotheses = await this.decoder.decode(q, lap);
    lap("decode");
    const spans = this.generated(hypotheses);
    let corrections: readonly Correction[] = [];
    let coverage: WeightedCoverage | undefined;
    if (prefetch) {
      await prefetch;
      const N = indexedTokens(this.engine);
      coverage = queryCoverage(tokenizer, index, query, q.length, N, wordCoverage);
      const rewritten = await rewriteNgrams(this.engine, this.rewriter, query, maxQueryTokens, N, ngrams);
      corrections = rewritten.corrections;
      spans.push(...queryNgrams(this.engine, q, N, ngrams), ...rewritten.spans);
    }
    const hits = await rankBySpans(this.engine, strongest(spans), k, this.options, lap, coverage);
    return { hits, timings, ...(corrections.length > 0 && { corrections }) };
  }

  /** Distinct generated spans with their SEAL weights. */
  private generated(hypotheses: readonly Hypothesis[]): WeightedSpan[] {
    if (hypotheses.length === 0) return [];
    const { index } = this.engine;
    const N = indexedTokens(this.engine);
    const top = Math.max(...hypotheses.map((h) => h.logProb));
    const mass = hypotheses.map((h) => Math.exp(h.logProb - top));
    const total = mass.reduce((a, m) => a + m, 0);
    const prob = new Map<string, { tokens: number[]; p: number }>();
    hypotheses.forEach((h, i) => {
      for (const key of new Set(h.spans.map((s) => s.join(" ")))) {
        const entry = prob.get(key) ?? { tokens: key.split(" ").map(Number), p: 0 };
        entry.p += mass[i]! / total;
        prob.set(key, entry);
      }
    });
    const out: WeightedSpan[] = [];
    for (const { tokens, p } of prob.values()) {
      const range = index.find(tokens);
      if (!range) continue;
      const weight = this.options.modelWeight * spanWeight(p, range.hi - range.lo, N);
      if (weight > 0) out.push({ tokens, range, weight });
    }
    return out;
  }
}
