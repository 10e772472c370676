/**
 * Model-free lexical retrieval through the FM index (SEAL-style n-gram scoring): every n-gram of
 * the query that occurs in the catalog is a span weighted by the log-odds of seeing it given the
 * query (a constant `queryLikelihood`; the span model replaces it with its own probability)
 * against seeing it at random in the catalog, and products are ranked by those spans
 * (span-ranking.ts), their rescoring joined by the title's coverage of the query's words
 * (word-coverage.ts). Defaults were tuned on the train split with src/eval/tune-fm-ngram.ts; the
 * per-query budget of located occurrences (2,048, heaviest spans first) cost 0.001 Recall@10 on a
 * 1,000-query train sample and keeps the Worker's warm median under 5 ms. Word coverage at 2 (as
 * in lexical.ts) took 1,500 train queries from Recall@10 0.3997 to 0.4576 (0.4531 at 1, 0.4600
 * at 3) for about 1 ms a query (tune-fm-ngram.ts --grid '[{"wordCoverage":0}, ...]').
 */
import type { Engine } from "../engine.ts";
import type { FmIndex } from "../fm/fm-index.ts";
import { type RankingOptions, type WeightedSpan, indexedTokens, phaseTimer, rankBySpans, spanWeight } from "./span-ranking.ts";
import type { Retriever, SearchResult } from "./types.ts";
import { queryCoverage } from "./word-coverage.ts";

export interface NgramOptions extends RankingOptions {
  readonly maxNgram: number;
  readonly maxQueryTokens: number;
  /** Query likelihood p of an n-gram (0.5 makes the weight the n-gram's log inverse odds). */
  readonly queryLikelihood: number;
}

export const DEFAULT_NGRAM_OPTIONS: NgramOptions = {
  maxNgram: 4,
  maxHitsPerSpan: 768,
  maxHitsPerQuery: 2048,
  candidates: 150,
  maxQueryTokens: 32,
  queryLikelihood: 0.5,
  lengthNorm: 0.25,
  perPosition: true,
  wordCoverage: 2,
};

/** All n-grams of the query that occur in the catalog, each found by extending the previous one. */
export function queryNgrams(index: FmIndex, q: readonly number[], N: number, options: Pick<NgramOptions, "maxNgram" | "queryLikelihood">): WeightedSpan[] {
  const seen = new Set<string>();
  const out: WeightedSpan[] = [];
  for (let i = 0; i < q.length; i++) {
    let range = index.tokenRange(q[i]!);
    for (let len = 1; range && len <= options.maxNgram; len++) {
      const tokens = q.slice(i, i + len);
      const key = tokens.join(" ");
      const weight = spanWeight(options.queryLikelihood, range.hi - range.lo, N);
      if (!seen.has(key) && weight > 0) {
        seen.add(key);
        out.push({ tokens, range, weight });
      }
      if (i + len >= q.length) break;
      range = index.extend(range, q[i + len]!);
    }
  }
  return out;
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
    const { timings, lap } = phaseTimer();
    const { tokenizer, index } = this.engine;
    const q = tokenizer.encode(query).slice(0, this.options.maxQueryTokens);
    lap("tokenize");
    await index.load(index.superblocksFor(q));
    const N = indexedTokens(this.engine);
    const spans = queryNgrams(index, q, N, this.options);
    const coverage = queryCoverage(tokenizer, index, query, q.length, N, this.options.wordCoverage);
    const hits = await rankBySpans(this.engine, spans, k, this.options, lap, coverage);
    return { hits, timings };
  }
}
