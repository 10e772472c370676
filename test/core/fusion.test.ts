import { describe, expect, it } from "vitest";
import { type FusableHit, RRF_RANK_CONSTANT, reciprocalRankFusion, scoreFusion } from "../../src/core/retrieval/fusion.ts";

const lexical = (id: string, score = 1): FusableHit => ({
  id,
  title: `lexical ${id}`,
  score,
  spans: [{ text: "door", start: 0, length: 1 }],
  highlights: [{ start: 0, end: 4 }],
});
const semantic = (id: string, sid: number[] = [1, 2, 3], score = -0.5): FusableHit => ({ id, title: `origin ${id}`, score, spans: [], highlights: [], sid });

describe("reciprocalRankFusion", () => {
  it("scores Σ weight / (60 + rank) and ranks products found by both lists first", () => {
    const fused = reciprocalRankFusion(
      [{ hits: [lexical("a"), lexical("b"), lexical("c")] }, { hits: [semantic("c"), semantic("d"), semantic("a")] }],
      { limit: 10 },
    );
    expect(fused.map((h) => h.id)).toEqual(["a", "c", "b", "d"]);
    const k = RRF_RANK_CONSTANT;
    expect(fused[0]!.score).toBeCloseTo(1 / (k + 1) + 1 / (k + 3), 12);
    expect(fused[1]!.score).toBeCloseTo(1 / (k + 3) + 1 / (k + 1), 12);
    expect(fused[2]!.score).toBeCloseTo(1 / (k + 2), 12);
    expect(fused[3]!.score).toBeCloseTo(1 / (k + 2), 12);
  });

  it("keeps the first list's copy (spans, highlights, title) and carries the sid over", () => {
    // "c" is the origin's best hit but only fifth lexically: the lexical copy still wins.
    const fused = reciprocalRankFusion(
      [{ hits: ["a", "b", "x", "y", "c"].map((id) => lexical(id)) }, { hits: [semantic("c", [7, 8]), semantic("d", [4])] }],
      { limit: 10 },
    );
    const c = fused.find((h) => h.id === "c")!;
    expect(c.title).toBe("lexical c");
    expect(c.spans).toHaveLength(1);
    expect(c.highlights).toEqual([{ start: 0, end: 4 }]);
    expect(c.sid).toEqual([7, 8]);
    const d = fused.find((h) => h.id === "d")!;
    expect(d).toMatchObject({ title: "origin d", spans: [], highlights: [], sid: [4] });
    expect(fused.find((h) => h.id === "a")).not.toHaveProperty("sid");
  });

  it("breaks ties by best rank, then by list order", () => {
    const fused = reciprocalRankFusion([{ hits: [lexical("a"), lexical("b")] }, { hits: [semantic("x"), semantic("y")] }], { limit: 10 });
    expect(fused.map((h) => h.id)).toEqual(["a", "x", "b", "y"]);
    expect(fused[0]!.score).toBe(fused[1]!.score);
  });

  it("counts a product listed twice in one list once, at its better rank", () => {
    const fused = reciprocalRankFusion([{ hits: [lexical("a"), lexical("b"), lexical("a")] }], { limit: 10 });
    expect(fused.map((h) => h.id)).toEqual(["a", "b"]);
    expect(fused[0]!.score).toBeCloseTo(1 / 61, 12);
  });

  it("weighs lists", () => {
    const fused = reciprocalRankFusion([{ hits: [lexical("a")], weight: 1 }, { hits: [semantic("x")], weight: 2 }], { limit: 10 });
    expect(fused.map((h) => h.id)).toEqual(["x", "a"]);
    expect(fused[0]!.score).toBeCloseTo(2 / 61, 12);
  });

  it("truncates to the limit after fusing, and handles empty lists", () => {
    const lists = [{ hits: ["a", "b", "c", "d"].map((id) => lexical(id)) }, { hits: ["d", "e"].map((id) => semantic(id)) }];
    expect(reciprocalRankFusion(lists, { limit: 2 }).map((h) => h.id)).toEqual(["d", "a"]);
    expect(reciprocalRankFusion(lists, { limit: 0 })).toEqual([]);
    expect(reciprocalRankFusion([{ hits: [] }, { hits: [] }], { limit: 5 })).toEqual([]);
    expect(reciprocalRankFusion([], { limit: 5 })).toEqual([]);
    expect(reciprocalRankFusion([{ hits: [] }, { hits: [semantic("e")] }], { limit: 5 }).map((h) => h.id)).toEqual(["e"]);
  });

  it("uses another rank constant when asked, and rejects a negative one", () => {
    const fused = reciprocalRankFusion([{ hits: [lexical("a"), lexical("b")] }], { limit: 2, rankConstant: 0 });
    expect(fused.map((h) => h.score)).toEqual([1, 0.5]);
    expect(() => reciprocalRankFusion([], { limit: 1, rankConstant: -1 })).toThrow(/rankConstant/u);
  });
});

describe("scoreFusion", () => {
  it("adds each list's scores min-max normalized, times its weight", () => {
    const fused = scoreFusion(
      [
        { hits: [lexical("a", 12), lexical("b", 9), lexical("c", 4)] },
        { hits: [semantic("c", [1], 0.9), semantic("d", [2], 0.7), semantic("b", [3], 0.5)], weight: 0.5 },
      ],
      { limit: 10 },
    );
    // a: 1; b: 5/8 + 0; c: 0 + 0.5; d: 0.5 × 0.5.
    expect(fused.map((h) => h.id)).toEqual(["a", "b", "c", "d"]);
    [1, 5 / 8, 0.5, 0.25].forEach((want, i) => expect(fused[i]!.score).toBeCloseTo(want, 12));
  });

  it("keeps the first list's copy, carries the sid over, and counts a repeated product once", () => {
    const fused = scoreFusion([{ hits: [lexical("a", 2), lexical("b", 1), lexical("a", 0)] }, { hits: [semantic("b", [7], 3)] }], { limit: 10 });
    expect(fused.map((h) => h.id)).toEqual(["b", "a"]);
    expect(fused[0]).toMatchObject({ title: "lexical b", sid: [7], score: 1.5 }); // 1 of 0..2, and the origin's only hit
    expect(fused[1]!.score).toBe(1);
  });

  it("scores a list whose hits all score alike as 1 each, and truncates to the limit", () => {
    const fused = scoreFusion([{ hits: [lexical("a", 3), lexical("b", 3)] }, { hits: [] }], { limit: 1 });
    expect(fused).toMatchObject([{ id: "a", score: 1 }]);
    expect(scoreFusion([], { limit: 5 })).toEqual([]);
  });
});
