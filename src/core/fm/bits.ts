/** Bit-level primitives: population count and a bit vector with constant-time rank. */

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Bits needed to write values in [0, maxValue]. */
export function bitWidth(maxValue: number): number {
  return maxValue <= 0 ? 0 : 32 - Math.clz32(maxValue);
}

/**
 * A static bit vector with rank1 in O(1): 32-bit words plus a cumulative count every
 * 64 bits, so a rank is one table read and at most two popcounts.
 */
export class RankBitVector {
  /** Ones before each pair of words (read directly by the wavelet matrix's hot loop). */
  readonly cumulative: Uint32Array;

  constructor(
    readonly words: Uint32Array,
    readonly length: number,
  ) {
    const pairs = (words.length + 1) >>> 1;
    this.cumulative = new Uint32Array(pairs + 1);
    let total = 0;
    for (let p = 0; p < pairs; p++) {
      this.cumulative[p] = total;
      total += popcount32(words[2 * p]!) + (2 * p + 1 < words.length ? popcount32(words[2 * p + 1]!) : 0);
    }
    this.cumulative[pairs] = total;
  }

  static fromBits(bits: ArrayLike<number>): RankBitVector {
    const words = new Uint32Array((bits.length + 31) >>> 5);
    for (let i = 0; i < bits.length; i++) if (bits[i]) words[i >>> 5]! |= 1 << (i & 31);
    return new RankBitVector(words, bits.length);
  }

  get(i: number): boolean {
    return ((this.words[i >>> 5]! >>> (i & 31)) & 1) === 1;
  }

  /** Ones in [0, i). */
  rank1(i: number): number {
    const w = i >>> 5;
    let r = this.cumulative[w >>> 1]!;
    if (w & 1) r += popcount32(this.words[w - 1]!);
    const rem = i & 31;
    if (rem !== 0) r += popcount32(this.words[w]! & ((1 << rem) - 1));
    return r;
  }

  get ones(): number {
    return this.cumulative[this.cumulative.length - 1]!;
  }
}
