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
 * weight.
 */
import type { Engine } from "../engine.ts";
import { DEFAULT_NGRAM_OPTIONS, type NgramOptions, queryNgrams } from "./fm-ngram.ts";
import type { Hypothesis, SpanDecoder } from "./span-decoder.ts";
import { type RankingOptions, type WeightedSpan, indexedTokens, phaseTimer, rankBySpans, spanWeight } from "./span-ranking.ts";
import { QueryRewriter, VARIANT_WEIGHT } from "./query-rewrites.ts";
import type { Correction, Retriever, SearchResult } from "./types.ts";
import { WordPieceTokenizer } from "../tokenizer/wordpiece.ts";

export interface LexicalOptions extends RankingOptions {
  readonly maxQueryTokens: number;
  /** Add the query's own n-grams as spans. */
  readonly queryNgrams: boolean;
  /** Multiplier on generated spans' weights (their model term can swamp the query's n-grams). */
  readonly modelWeight: number;
  /** Also add the n-grams of the query with misspelled words corrected (typos.ts; needs queryNgrams). */
  readonly typoTolerance: boolean;
  /** Weight of the n-grams of the query's variants: plurals, compounds (query-rewrites.ts; 0: off). */
  readonly variantWeight: number;
  readonly ngrams: Pick<NgramOptions, "maxNgram" | "queryLikelihood">;
}

export const DEFAULT_LEXICAL_OPTIONS: LexicalOptions = {
  maxHitsPerSpan: 512,
  maxHitsPerQuery: 2048,
  candidates: 150,
  lengthNorm: 0.25,
  perPosition: true,
  maxQueryTokens: 32,
  queryNgrams: true,
  modelWeight: 0.25,
  typoTolerance: true,
  variantWeight: VARIANT_WEIGHT,
  ngrams: DEFAULT_NGRAM_OPTIONS,
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
    const { tokenizer, index } = engine;
    const { typoTolerance: typos, variantWeight } = this.options;
    if ((typos || variantWeight > 0) && tokenizer instanceof WordPieceTokenizer) {
      this.rewriter = new QueryRewriter(index, tokenizer, decoder.spanStarts, { typos, variantWeight });
    }
  }

  async search(query: string, k: number): Promise<SearchResult> {
    const { timings, lap } = phaseTimer();
    const { tokenizer, index } = this.engine;
    const q = tokenizer.encode(query).slice(0, this.options.maxQueryTokens);
    lap("tokenize");
    // The query's own superblocks (its n-grams, the spans' likely starts) load while the model runs.
    const prefetch = this.options.queryNgrams ? index.load(index.superblocksFor(q)) : undefined;
    const hypotheses = await this.decoder.decode(q, lap);
    lap("decode");
    const spans = new Map<string, WeightedSpan>();
    const add = (span: WeightedSpan): void => {
      const key = span.tokens.join(" ");
      const known = spans.get(key);
      if (!known || known.weight < span.weight) spans.set(key, span);
    };
    for (const span of this.generated(hypotheses)) add(span);
    let corrections: readonly Correction[] = [];
    if (prefetch) {
      await prefetch;
      const N = indexedTokens(this.engine);
      for (const span of queryNgrams(index, q, N, this.options.ngrams)) add(span);
      const rewritten = this.rewriter?.rewrite(query, this.options.maxQueryTokens);
      if (rewritten) {
        corrections = rewritten.corrections;
        await index.load(index.superblocksFor(rewritten.rewrites.flatMap((r) => r.ids)));
        for (const { ids, weight } of rewritten.rewrites) {
          for (const span of queryNgrams(index, ids, N, this.options.ngrams)) add({ ...span, weight: span.weight * weight });
        }
      }
    }
    const hits = await rankBySpans(this.engine, [...spans.values()], k, this.options, lap);
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
