import { describe, expect, it } from "vitest";
import { buildFmIndex } from "../../src/core/fm/build.ts";
import { BufferSource, FmIndex, type SpanRange } from "../../src/core/fm/fm-index.ts";
import { LocateMemo } from "../../src/core/fm/locate-memo.ts";

const docs = Array.from({ length: 300 }, (_, i) => [1 + (i % 5), 6 + (i % 7), 1 + (i % 3), 13]);

async function open(memoOccurrences?: number): Promise<{ index: FmIndex; source: BufferSource }> {
  const built = await buildFmIndex(docs, 14, { superblockBits: 6, sampleRate: 8 });
  const source = new BufferSource(built.bytes);
  const index = await FmIndex.open(source, { headerBytes: built.headerBytes, ...(memoOccurrences && { memoOccurrences }) });
  return { index, source };
}

describe("locate", () => {
  it("gives the first occurrences in BWT order, whether superblocks load on the way or were loaded", async () => {
    const lazy = await open();
    const whole = await open();
    await whole.index.loadAll();
    for (const span of [[13], [1], [2, 8]]) {
      await lazy.index.load(lazy.index.superblocksFor(span));
      for (const max of [1, 7, 40, 1000]) {
        const expected = await whole.index.locate(whole.index.find(span)!, max);
        expect(await lazy.index.locate(lazy.index.find(span)!, max)).toEqual(expected);
      }
    }
    expect(lazy.source.reads).toBeGreaterThan(2); // the lazy walks did load on the way
  });

  it("locates nothing for a bound of zero, a negative one or none that is a number", async () => {
    const { index } = await open(10_000);
    await index.loadAll();
    const range = index.find([13])!;
    for (const max of [0, -5, Number.NaN]) expect(await index.locate(range, max)).toEqual([]);
    expect(await index.locate(range, 3)).toHaveLength(3);
  });
});

describe("locate memo", () => {
  it("serves a span located before, also fewer of its occurrences, without walking again", async () => {
    // Two superblocks kept: a second walk would have to read the evicted ones again.
    const open2 = async (memoOccurrences?: number) => {
      const built = await buildFmIndex(docs, 14, { superblockBits: 6, sampleRate: 8 });
      const source = new BufferSource(built.bytes);
      const index = await FmIndex.open(source, { headerBytes: built.headerBytes, maxSuperblocks: 2, ...(memoOccurrences && { memoOccurrences }) });
      await index.load(index.superblocksFor([13]));
      return { index, source, range: index.find([13])! };
    };
    const plain = await open2();
    const remembering = await open2(10_000);
    const all = await remembering.index.locate(remembering.range);
    expect(all).toEqual(await plain.index.locate(plain.range));
    const reads = { plain: plain.source.reads, remembering: remembering.source.reads };
    expect(await remembering.index.locate(remembering.range, 25)).toEqual(all.slice(0, 25));
    expect(await remembering.index.locate(remembering.range)).toEqual(all);
    expect(remembering.source.reads).toBe(reads.remembering);
    await plain.index.locate(plain.range);
    expect(plain.source.reads).toBeGreaterThan(reads.plain);
  });

  it("hands out copies: a caller that sorts or changes its list does not change the next", async () => {
    const { index } = await open(10_000);
    await index.loadAll();
    const span = index.find([1])!;
    const first = await index.locate(span);
    const expected = first.map((o) => ({ ...o }));
    first.reverse();
    first.length = 3;
    expect(await index.locate(span)).toEqual(expected);
  });

  it("holds at most its bound, evicting the least recently used span", () => {
    const memo = new LocateMemo(10);
    const r = (lo: number): SpanRange => ({ lo, hi: lo + 100, length: 1 });
    const occ = (n: number, doc = 0) => Array.from({ length: n }, (_, i) => ({ doc, offset: i }));
    memo.set(r(0), occ(4));
    memo.set(r(1), occ(4));
    expect(memo.get(r(0), 4)).toHaveLength(4); // r(0) is now the most recent
    memo.set(r(2), occ(4)); // 12 > 10: r(1) goes
    expect(memo.occurrences).toBe(8);
    expect(memo.get(r(1), 1)).toBeUndefined();
    expect(memo.get(r(0), 4)).toHaveLength(4);
    expect(memo.get(r(2), 5)).toBeUndefined(); // only 4 held
    memo.set(r(3), occ(11)); // larger than the bound: not kept
    expect(memo.get(r(3), 1)).toBeUndefined();
    expect(memo.occurrences).toBe(8);
    memo.set(r(2), occ(6, 9)); // more of a span replaces fewer
    expect(memo.get(r(2), 6)?.[5]).toEqual({ doc: 9, offset: 5 });
    expect(memo.occurrences).toBeLessThanOrEqual(10);
  });

  it("tells apart ranges of the same positions but different span lengths (their offsets differ)", () => {
    const memo = new LocateMemo(100);
    memo.set({ lo: 5, hi: 9, length: 1 }, [{ doc: 1, offset: 3 }]);
    expect(memo.get({ lo: 5, hi: 9, length: 2 }, 1)).toBeUndefined();
  });
});
