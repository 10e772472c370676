import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildFmIndex } from "../../src/core/fm/build.ts";
import { BufferSource, FmIndex, MissingSuperblocks } from "../../src/core/fm/fm-index.ts";

/** Naive reference: scan every title for every occurrence of the span. */
function occurrences(docs: number[][], span: number[]): { doc: number; offset: number }[] {
  const out: { doc: number; offset: number }[] = [];
  docs.forEach((doc, d) => {
    for (let o = 0; o + span.length <= doc.length; o++) {
      if (span.every((t, j) => doc[o + j] === t)) out.push({ doc: d, offset: o });
    }
  });
  return out;
}

function naiveNext(docs: number[][], span: number[]): { next: Map<number, number>; ends: number } {
  const next = new Map<number, number>();
  let ends = 0;
  for (const { doc, offset } of occurrences(docs, span)) {
    const t = docs[doc]![offset + span.length];
    if (t === undefined) ends++;
    else next.set(t, (next.get(t) ?? 0) + 1);
  }
  return { next, ends };
}

const sortOcc = (a: { doc: number; offset: number }[]) =>
  [...a].sort((x, y) => x.doc - y.doc || x.offset - y.offset);

async function open(docs: number[][], vocab: number, superblockBits: number, sampleRate: number) {
  const built = await buildFmIndex(docs, vocab, { superblockBits, sampleRate });
  const index = await FmIndex.open(new BufferSource(built.bytes), { headerBytes: built.headerBytes });
  return { built, index };
}

const corpus = fc
  .integer({ min: 1, max: 12 })
  .chain((vocab) =>
    fc.record({
      vocab: fc.constant(vocab + 1),
      docs: fc.array(fc.array(fc.integer({ min: 1, max: vocab }), { minLength: 1, maxLength: 14 }), {
        minLength: 1,
        maxLength: 40,
      }),
      span: fc.array(fc.integer({ min: 0, max: vocab + 1 }), { minLength: 1, maxLength: 4 }),
      superblockBits: fc.integer({ min: 6, max: 8 }),
      sampleRate: fc.integer({ min: 1, max: 5 }),
    }),
  );

describe("FM index against a naive scan", () => {
  it("count, next tokens, locate and extract agree on random corpora", async () => {
    await fc.assert(
      fc.asyncProperty(corpus, async ({ vocab, docs, span, superblockBits, sampleRate }) => {
        const { index } = await open(docs, vocab + 1, superblockBits, sampleRate);
        await index.loadAll();
        const expected = occurrences(docs, span);
        expect(index.count(span)).toBe(expected.length);
        const range = index.find(span);
        if (expected.length === 0) {
          expect(range).toBeNull();
          return;
        }
        const next = index.nextTokens(range!);
        const ref = naiveNext(docs, span);
        expect(next.titleEnds).toBe(ref.ends);
        expect(new Map([...next.tokens].map((t, j) => [t, next.counts[j]!]))).toEqual(ref.next);
        expect(sortOcc(await index.locate(range!))).toEqual(sortOcc(expected));
        const d = expected[0]!.doc;
        expect(await index.extract(d)).toEqual(docs[d]);
      }),
      { numRuns: 300 },
    );
  });

  it("spans the superblocks of large blocks (many superblocks per token)", async () => {
    const docs = Array.from({ length: 400 }, (_, i) => [1, 2 + (i % 7), 1, 3 + (i % 5), 1]);
    const { index } = await open(docs, 12, 6, 3);
    await index.loadAll();
    for (const span of [[1], [1, 2], [2, 1, 3], [1, 3, 1], [4, 1, 5, 1]]) {
      expect(index.count(span)).toBe(occurrences(docs, span).length);
    }
    const range = index.find([1, 3])!;
    expect(sortOcc(await index.locate(range))).toEqual(sortOcc(occurrences(docs, [1, 3])));
  });
});

describe("lazy superblocks", () => {
  it("counting needs only the superblocks of the span's tokens, fetched in one read", async () => {
    const docs = Array.from({ length: 300 }, (_, i) => [1 + (i % 50), 51 + (i % 13), 70 + (i % 3)]);
    const built = await buildFmIndex(docs, 80, { superblockBits: 6, sampleRate: 4 });
    const source = new BufferSource(built.bytes);
    const index = await FmIndex.open(source, { headerBytes: built.headerBytes });
    expect(source.reads).toBe(1);
    const span = [7, 57];
    expect(() => index.count(span)).toThrow(MissingSuperblocks);
    const ids = index.superblocksFor(span);
    expect(ids.length).toBeLessThan(index.superblockCount);
    await index.load(ids);
    expect(source.reads).toBe(2);
    expect(index.count(span)).toBe(occurrences(docs, span).length);
    // locate loads what its walks miss, in batches
    const located = await index.locate(index.find(span)!);
    expect(sortOcc(located)).toEqual(sortOcc(occurrences(docs, span)));
  });

  it("rejects tokens outside the vocabulary at build time and unknown ids at query time", async () => {
    await expect(buildFmIndex([[1, 99]], 10)).rejects.toThrow(/outside the vocabulary/);
    const { index } = await open([[1, 2]], 3, 6, 2);
    await index.loadAll();
    expect(index.count([5])).toBe(0);
    expect(index.count([-1])).toBe(0);
  });

  it("names a corrupt superblock", async () => {
    const built = await buildFmIndex([[1, 2, 3], [2, 3, 1]], 4, { superblockBits: 6 });
    const bytes = built.bytes.slice();
    bytes[built.headerBytes + 2] ^= 0xff;
    const index = await FmIndex.open(new BufferSource(bytes), { headerBytes: built.headerBytes });
    await expect(index.loadAll()).rejects.toThrow(/superblock 0/);
  });
});
