import { describe, expect, it } from "vitest";
import { WaveletMatrix } from "../../src/core/fm/wavelet-matrix.ts";

/** A seeded generator, so that a failure reproduces. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe("wavelet matrix against a naive scan", () => {
  // Sizes around word boundaries, skewed and flat alphabets, and codes that never occur.
  for (const [n, k, skew] of [[1, 1, 1], [31, 3, 1], [32, 5, 2], [33, 17, 1], [1000, 300, 3], [4096, 1500, 3]] as const) {
    it(`n=${n}, alphabet ${k}`, () => {
      const random = lcg(n * 31 + k);
      const values = Array.from({ length: n }, () => Math.floor(k * random() ** skew));
      const wm = new WaveletMatrix(values, k);
      const out = { value: 0, rank: 0 };
      const seen = new Array<number>(k).fill(0);
      for (let i = 0; i <= n; i++) {
        for (const c of [values[i % n]!, (i * 7) % k, k - 1]) expect(wm.rank(c, i)).toBe(seen[c]);
        if (i === n) break;
        wm.accessRank(i, out);
        expect(out).toEqual({ value: values[i], rank: seen[values[i]!] });
        seen[values[i]!]!++;
      }
      const [l, r] = [Math.floor(n / 3), n];
      const distinct = new Map<number, number>();
      wm.distinct(l, r, (value, count) => distinct.set(value, count));
      const expected = new Map<number, number>();
      for (const v of values.slice(l, r)) expected.set(v, (expected.get(v) ?? 0) + 1);
      expect([...distinct].sort((a, b) => a[0] - b[0])).toEqual([...expected].sort((a, b) => a[0] - b[0]));
    });
  }
});
