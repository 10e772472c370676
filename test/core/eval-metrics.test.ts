import { describe, expect, it } from "vitest";
import { mrrAt, ndcgAt, percentile, recallAt, relevantIds, scoreQuery } from "../../src/eval/metrics.ts";

// a, b relevant (>= 2.33); c partially relevant (2); d irrelevant (1); x unjudged.
const grades = new Map([
  ["a", 3],
  ["b", 2.33],
  ["c", 2],
  ["d", 1],
]);

describe("metrics", () => {
  it("relevant means relevance >= 2.33", () => {
    expect(relevantIds(grades).sort()).toEqual(["a", "b"]);
  });

  it("recall@k counts relevant products in the first k", () => {
    expect(recallAt(["x", "b", "c", "a"], grades, 10)).toBe(1);
    expect(recallAt(["x", "b", "c", "a"], grades, 2)).toBe(0.5);
    expect(recallAt(["c", "d", "x"], grades, 10)).toBe(0);
    expect(() => recallAt(["a"], new Map([["a", 2]]), 10)).toThrow(/without relevant/);
  });

  it("MRR@k is the reciprocal rank of the first relevant product, 0 beyond k", () => {
    expect(mrrAt(["x", "b", "c", "a"], grades, 10)).toBe(0.5);
    expect(mrrAt(["c", "d", "a"], grades, 2)).toBe(0);
    expect(mrrAt(["a"], grades, 10)).toBe(1);
  });

  it("NDCG@10 uses gain = relevance - 1 and the ideal order of all judged products", () => {
    // DCG  = 0/log2(2) + 1.33/log2(3) + 1/log2(4) + 2/log2(5) = 2.200490
    // IDCG = 2/log2(2) + 1.33/log2(3) + 1/log2(4) + 0         = 3.339137
    expect(ndcgAt(["x", "b", "c", "a"], grades, 10)).toBeCloseTo(0.659, 4);
    expect(ndcgAt(["a", "b", "c", "d"], grades, 10)).toBeCloseTo(1, 10);
    expect(ndcgAt(["d", "x"], grades, 10)).toBe(0);
    // Only the first k count: with k = 1, DCG = 1.33 against IDCG = 2.
    expect(ndcgAt(["b", "a"], grades, 1)).toBeCloseTo(1.33 / 2, 10);
  });

  it("scoreQuery credits a repeated product once", () => {
    const s = scoreQuery(["a", "a", "a", "b"], grades);
    expect(s["recall@10"]).toBe(1);
    expect(s["mrr@10"]).toBe(1);
    expect(s["ndcg@10"]).toBeCloseTo(ndcgAt(["a", "b"], grades, 10), 12);
  });

  it("percentile interpolates between order statistics", () => {
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5], 90)).toBeCloseTo(4.6, 10);
    expect(percentile([], 50)).toBe(0);
  });
});
