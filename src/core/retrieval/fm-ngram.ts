/**
 * Model-free lexical retrieval through the FM index (SEAL-style n-gram scoring): every n-gram of
 * the query that occurs in the catalog is a span weighted by the log-odds of seeing it given the
 * query (a constant `queryLikelihood`; the span model replaces it with its own probability)
 * against seeing it at random in the catalog, and products are ranked by those spans
 * (span-ranking.ts), their rescoring joined by the title's coverage of the query's words
 * (word-coverage.ts). On a WordPiece index the n-grams of the query's rewrites join too
 * (query-rewrites.ts: typos corrected; plurals and compounds), as in the lexical path.
 *
 * Tuned on the train split with src/eval/tune-fm-ngram.ts (1,500 queries, word index): word
 * coverage at 2 took Recall@10 from 0.3997 to 0.4576 (0.4531 at 1, 0.4600 at 3) for about 1 ms a
 * query; the lexical path's budget and weights (2,048 occurrences a span and 4,096 a query,
 * likelihood 0.8, length normalization 0.15; 768 / 2,048, 0.5 and 0.25 before) to 0.4686, Recall@100
 * 0.6867 → 0.7100, at the same median with the locate memo. On a WordPiece index (--wordpiece,
 * --limit 800): 0.4743 without the rewrites, 0.4943 with them, 0.5033 with the lexical path's
 * budget and weights too.
 */
import type { Engine } from "../engine.ts";
import { type QueryRewriter, type RewriteOptions, VARIANT_WEIGHT, queryRewriter } from "./query-rewrites.ts";
import { type RankingOptions, type WeightedSpan, indexedTokens, phaseTimer, rankBySpans, spanWeight, strongest } from "./span-ranking.ts";
import type { Correction, Retriever, SearchResult } from "./types.ts";
import { queryCoverage } from "./word-coverage.ts";

/** RewriteOptions: the query's rewrites searched besides it, on WordPiece indexes (query-rewrites.ts). */
export interface NgramOptions extends RankingOptions, RewriteOptions {
  readonly maxNgram: number;
  readonly maxQueryTokens: number;
  /** Query likelihood p of an n-gram (0.5 makes the weight the n-gram's log inverse odds). */
  readonly queryLikelihood: number;
}

export const DEFAULT_NGRAM_OPTIONS: NgramOptions = {
  maxNgram: 4,
  maxHitsPerSpan: 2048,
  maxHitsPerQuery: 4096,
  candidates: 150,
  maxQueryTokens: 32,
  queryLikelihood: 0.8,
  lengthNorm: 0.15,
  perPosition: true,
  wordCoverage: 2,
  typoTolerance: true,
  variantWeight: VARIANT_WEIGHT,
};

/**
 * All n-grams of the query that occur in the catalog, each found by extending the previous one.
 * None holds the unknown token: an unknown query word is no evidence for a title that holds some
 * other unknown word.
 */
export function queryNgrams(engine: Engine, q: readonly number[], N: number, options: Pick<NgramOptions, "maxNgram" | "queryLikelihood">): WeightedSpan[] {
  const { index, tokenizer } = engine;
  const seen = new Set<string>();
  const out: WeightedSpan[] = [];
  for (let i = 0; i < q.length; i++) {
    let range = q[i] === tokenizer.unknownId ? null : index.tokenRange(q[i]!);
    for (let len = 1; range && len <= options.maxNgram; len++) {
      const tokens = q.slice(i, i + len);
      const key = tokens.join(" ");
      const weight = spanWeight(options.queryLikelihood, range.hi - range.lo, N);
      if (!seen.has(key) && weight > 0) {
        seen.add(key);
        out.push({ tokens, range, weight });
      }
      if (i + len >= q.length || q[i + len] === tokenizer.unknownId) break;
      range = index.extend(range, q[i + len]!);
    }
  }
  return out;
}

/**
 * The n-grams of the query's rewrites, each weighted by its rewrite, and the typo corrections
 * made. The superblocks of the query's first `maxTokens` tokens must be loaded; the rewrites'
 * are loaded here.
 */
export async function rewriteNgrams(
  engine: Engine,
  rewriter: QueryRewriter | undefined,
  query: string,
  maxTokens: number,
  N: number,
  options: Pick<NgramOptions, "maxNgram" | "queryLikelihood">,
): Promise<{ spans: WeightedSpan[]; corrections: readonly Correction[] }> {
  const rewritten = rewriter?.rewrite(query, maxTokens);
  if (!rewritten) return { spans: [], corrections: [] };
  const { index } = engine;
  await index.load(index.superblocksFor(rewritten.rewrites.flatMap((r) => r.ids)));
  const spans = rewritten.rewrites.flatMap(({ ids, weight }) =>
    queryNgrams(engine, ids, N, options).map((span) => ({ ...span, weight: span.weight * weight })),
  );
  return { spans, corrections: rewritten.corrections };
}

export class FmNgramRetriever implements Retriever {
  private readonly options: NgramOptions;
  private readonly rewriter: QueryRewriter | undefined;

  constructor(
    private readonly engine: Engine,
    options: Partial<NgramOptions> = {},
    readonly name = "fm-ngram",
  ) {
    this.options = { ...DEFAULT_NGRAM_OPTIONS, ...options };
    if (this.options.maxQueryTokens > 32) throw new RangeError("maxQueryTokens is at most 32");
    this.rewriter = queryRewriter(engine, this.options);
  }

  async search(query: string, k: number): Promise<SearchResult> {
    const { timings, lap } = phaseTimer();
    const { tokenizer, index } = this.engine;
    const { maxQueryTokens, wordCoverage } = this.options;
    const q = tokenizer.encode(query).slice(0, maxQueryTokens);
    lap("tokenize");
    await index.load(index.superblocksFor(q));
    const N = indexedTokens(this.engine);
    const rewritten = await rewriteNgrams(this.engine, this.rewriter, query, maxQueryTokens, N, this.options);
    const spans = strongest([...queryNgrams(this.engine, q, N, this.options), ...rewritten.spans]);
    const coverage = queryCoverage(tokenizer, index, query, q.length, N, wordCoverage);
    const hits = await rankBySpans(this.engine, spans, k, this.options, lap, coverage);
    const { corrections } = rewritten;
    return { hits, timings, ...(corrections.length > 0 && { corrections }) };
  }
}
