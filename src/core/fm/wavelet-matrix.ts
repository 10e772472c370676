/**
 * Wavelet matrix over a small alphabet [0, k): rank, access-with-rank and distinct-values-in-range,
 * each in O(log k) bit-vector ranks. Used inside one BWT superblock, where the alphabet is
 * the superblock's own local codes (so k is small and levels are few).
 */
import { RankBitVector, bitWidth, popcount32 } from "./bits.ts";

const ABSENT = 0xffffffff;

export class WaveletMatrix {
  readonly levels: number;
  private readonly bits: RankBitVector[];
  private readonly zeros: Uint32Array;
  /** Where the run of each code starts after the last level: rank(c, i) = mapped(i) - start[c]. */
  private readonly start: Uint32Array;

  constructor(values: ArrayLike<number>, readonly alphabetSize: number) {
    const n = values.length;
    this.levels = Math.max(1, bitWidth(alphabetSize - 1));
    this.bits = [];
    this.zeros = new Uint32Array(this.levels);
    // One pass per level, branch-free (the bits are random): each value is written to both the
    // zeros' and the ones' buffer and only the right cursor advances; the ones then follow the
    // zeros. Indexes are decoded on a cold isolate's first request, so this loop is on its path.
    let current = Uint32Array.from(values);
    let next = new Uint32Array(n);
    const ones = new Uint32Array(n);
    for (let level = 0; level < this.levels; level++) {
      const shift = this.levels - 1 - level;
      const words = new Uint32Array((n + 31) >>> 5);
      let z = 0;
      let o = 0;
      let word = 0;
      for (let i = 0; i < n; i++) {
        const v = current[i]!;
        const bit = (v >>> shift) & 1;
        word |= bit << (i & 31);
        if ((i & 31) === 31) {
          words[i >>> 5] = word;
          word = 0;
        }
        next[z] = v;
        ones[o] = v;
        z += bit ^ 1;
        o += bit;
      }
      if ((n & 31) !== 0) words[n >>> 5] = word;
      next.set(ones.subarray(0, o), z);
      this.bits.push(new RankBitVector(words, n));
      this.zeros[level] = z;
      [current, next] = [next, current];
    }
    // After the last level the values stand grouped by code: a code's run starts at its first
    // position there (a code that does not occur takes the slower walk down the levels).
    this.start = new Uint32Array(alphabetSize).fill(ABSENT);
    for (let i = n - 1; i >= 0; i--) this.start[current[i]!] = i;
    for (let c = 0; c < alphabetSize; c++) if (this.start[c] === ABSENT) this.start[c] = this.map(c, 0);
  }

  /** Follows position i down the levels along the bits of c. */
  private map(c: number, i: number): number {
    for (let level = 0; level < this.levels; level++) {
      const bv = this.bits[level]!;
      if ((c >>> (this.levels - 1 - level)) & 1) i = this.zeros[level]! + bv.rank1(i);
      else i = i - bv.rank1(i);
    }
    return i;
  }

  /** Occurrences of c in [0, i). */
  rank(c: number, i: number): number {
    return this.map(c, i) - this.start[c]!;
  }

  /**
   * The value at i and its occurrences in [0, i), in one descent (the LF step needs both). The
   * bit and its rank are read from one word per level, inlined: this is locate's inner loop.
   */
  accessRank(i: number, out: { value: number; rank: number }): void {
    let c = 0;
    for (let level = 0; level < this.levels; level++) {
      const bv = this.bits[level]!;
      const words = bv.words;
      const w = i >>> 5;
      const word = words[w]!;
      const shift = i & 31;
      let ones = bv.cumulative[w >>> 1]! + (shift === 0 ? 0 : popcount32(word & ((1 << shift) - 1)));
      if (w & 1) ones += popcount32(words[w - 1]!);
      if ((word >>> shift) & 1) {
        c = (c << 1) | 1;
        i = this.zeros[level]! + ones;
      } else {
        c <<= 1;
        i -= ones;
      }
    }
    out.value = c;
    out.rank = i - this.start[c]!;
  }

  /** Calls emit(value, count) for each distinct value in [l, r), in increasing value order. */
  distinct(l: number, r: number, emit: (value: number, count: number) => void): void {
    this.descend(0, l, r, 0, emit);
  }

  private descend(level: number, l: number, r: number, prefix: number, emit: (value: number, count: number) => void): void {
    if (l >= r) return;
    if (level === this.levels) {
      emit(prefix, r - l);
      return;
    }
    const bv = this.bits[level]!;
    const l1 = bv.rank1(l);
    const r1 = bv.rank1(r);
    this.descend(level + 1, l - l1, r - r1, prefix << 1, emit);
    const z = this.zeros[level]!;
    this.descend(level + 1, z + l1, z + r1, (prefix << 1) | 1, emit);
  }
}
