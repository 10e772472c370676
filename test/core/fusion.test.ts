import { describe, expect, it } from "vitest";
import { type FusableHit, RRF_RANK_CONSTANT, reciprocalRankFusion } from "../../src/core/retrieval/fusion.ts";

const lexical = (id: string, score = 1): FusableHit => ({
  id,
  title: `lexical ${id}`,
  score,
  spans: [{ text: "door", start: 0, length: 1 }],
  highlights: [{ start: 0, end: 4 }],
});
const semantic = (id: string, sid: number[] = [1, 2, 3]): FusableHit => ({ id, title: `origin ${id}`, score: -0.5, spans: [], highlights: [], sid });

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
