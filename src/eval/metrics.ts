/**
 * Ranking metrics for one query and their aggregation. Pure functions over product ids and the
 * query's graded judgments (1 = irrelevant, 2 = partially relevant, 3 = perfect; means of raters).
 */

/** Home Depot README: a judged pair is relevant when the raters' mean is at least 2.33. */
export const RELEVANT_THRESHOLD = 2.33;

/** Judged products of one query: product id → relevance. Unjudged products count as irrelevant. */
export type Grades = ReadonlyMap<string, number>;

export interface QueryScores {
  readonly "recall@10": number;
  readonly "recall@100": number;
  readonly "mrr@10": number;
  readonly "ndcg@10": number;
}

export function relevantIds(grades: Grades): string[] {
  return [...grades].filter(([, rel]) => rel >= RELEVANT_THRESHOLD).map(([id]) => id);
}

/** Share of the query's relevant products found in the first k. */
export function recallAt(ranked: readonly string[], grades: Grades, k: number): number {
  const relevant = relevantIds(grades).length;
  if (relevant === 0) throw new Error("recall is undefined for a query without relevant products");
  const found = ranked.slice(0, k).filter((id) => (grades.get(id) ?? 1) >= RELEVANT_THRESHOLD).length;
  return found / relevant;
}

/** Reciprocal rank of the first relevant product within the first k, 0 if none. */
export function mrrAt(ranked: readonly string[], grades: Grades, k: number): number {
  const i = ranked.slice(0, k).findIndex((id) => (grades.get(id) ?? 1) >= RELEVANT_THRESHOLD);
  return i < 0 ? 0 : 1 / (i + 1);
}

/** Graded gain: relevance - 1, so an irrelevant (1) or unjudged product gains nothing. */
function gain(relevance: number | undefined): number {
  return relevance === undefined ? 0 : Math.max(0, relevance - 1);
}

function dcg(gains: readonly number[]): number {
  return gains.reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
}

/** NDCG@k; the ideal ranking orders all judged products of the query by relevance. */
export function ndcgAt(ranked: readonly string[], grades: Grades, k: number): number {
  const ideal = dcg([...grades.values()].map(gain).sort((a, b) => b - a).slice(0, k));
  if (ideal === 0) return 0;
  return dcg(ranked.slice(0, k).map((id) => gain(grades.get(id)))) / ideal;
}

/** All metrics of one query. A retriever that repeats a product gets credit for it once. */
export function scoreQuery(ranked: readonly string[], grades: Grades): QueryScores {
  const unique = [...new Set(ranked)];
  return {
    "recall@10": recallAt(unique, grades, 10),
    "recall@100": recallAt(unique, grades, 100),
    "mrr@10": mrrAt(unique, grades, 10),
    "ndcg@10": ndcgAt(unique, grades, 10),
  };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Percentile with linear interpolation between order statistics (numpy's default); p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
