/**
 * One BWT superblock: a fixed run of BWT positions with everything needed to answer rank,
 * access and locate inside it, so that a backward-search step only ever reads the superblocks
 * of the current token's block.
 *
 * Local alphabet: the distinct symbols of the superblock get local codes by decreasing frequency
 * (small codes compress well); the code sequence sits in a wavelet matrix over k codes. Each code
 * carries the symbol's global rank at the superblock start, so a global rank is rankStart + local rank.
 * Locate samples (document, offset) are stored in BWT order with a mark bit per position.
 */
import { RankBitVector, bitWidth } from "./bits.ts";
import { ByteReader, ByteWriter, packFixed, packedLength, unpackFixed } from "./bytes.ts";
import { WaveletMatrix } from "./wavelet-matrix.ts";

export interface SuperblockData {
  /** Global BWT symbols of this superblock. */
  readonly symbols: ArrayLike<number>;
  /** Global rank of each symbol at the superblock start (indexed by symbol via a lookup function). */
  readonly rankAtStart: (symbol: number) => number;
  /** Per position: 1 when the suffix at that BWT position has a locate sample. */
  readonly marks: Uint8Array;
  /** Samples in BWT order of the marked positions. */
  readonly sampleDocs: ArrayLike<number>;
  readonly sampleOffsets: ArrayLike<number>;
}

export function encodeSuperblock(data: SuperblockData): Uint8Array {
  const { symbols } = data;
  const freq = new Map<number, number>();
  for (let i = 0; i < symbols.length; i++) freq.set(symbols[i]!, (freq.get(symbols[i]!) ?? 0) + 1);
  const sorted = [...freq.keys()].sort((a, b) => a - b);
  const byFreq = [...sorted].sort((a, b) => freq.get(b)! - freq.get(a)! || a - b);
  const codeOf = new Map(byFreq.map((s, code) => [s, code]));

  const w = new ByteWriter(symbols.length * 2 + 64);
  w.varint(symbols.length);
  w.varint(sorted.length);
  let prev = 0;
  for (const s of sorted) {
    w.varint(s - prev);
    prev = s;
  }
  for (const s of sorted) w.varint(codeOf.get(s)!);
  for (const s of sorted) w.varint(data.rankAtStart(s));
  for (let i = 0; i < symbols.length; i++) w.varint(codeOf.get(symbols[i]!)!);
  w.bytes(packBits(data.marks));
  // Samples are near-random numbers: fixed-width bit packing beats varints under deflate.
  const docWidth = bitWidth(maxOf(data.sampleDocs));
  const offsetWidth = bitWidth(maxOf(data.sampleOffsets));
  w.varint(docWidth);
  w.varint(offsetWidth);
  w.bytes(packFixed(data.sampleDocs, docWidth));
  w.bytes(packFixed(data.sampleOffsets, offsetWidth));
  return w.finish();
}

export class Superblock {
  /** Distinct global symbols, ascending (binary-searched by code()). */
  readonly sortedSymbols: Uint32Array;
  readonly sortedCodes: Uint32Array;
  readonly symbolOfCode: Uint32Array;
  readonly rankStart: Uint32Array;
  readonly countOfCode: Uint32Array;
  readonly sequence: WaveletMatrix;
  readonly marks: RankBitVector;
  readonly sampleDocs: Uint32Array;
  readonly sampleOffsets: Uint32Array;
  readonly length: number;

  constructor(
    readonly id: number,
    readonly start: number,
    raw: Uint8Array,
  ) {
    const what = `superblock ${id}`;
    const r = new ByteReader(raw, what);
    const length = r.varint();
    const k = r.varint();
    if (k === 0 || k > length) throw new Error(`${what}: bad alphabet size ${k}`);
    this.length = length;
    this.sortedSymbols = new Uint32Array(k);
    this.sortedCodes = new Uint32Array(k);
    this.symbolOfCode = new Uint32Array(k);
    this.rankStart = new Uint32Array(k);
    let s = 0;
    for (let j = 0; j < k; j++) this.sortedSymbols[j] = s += r.varint();
    for (let j = 0; j < k; j++) {
      const code = r.varint();
      if (code >= k) throw new Error(`${what}: bad code ${code}`);
      this.sortedCodes[j] = code;
      this.symbolOfCode[code] = this.sortedSymbols[j]!;
    }
    for (let j = 0; j < k; j++) this.rankStart[this.sortedCodes[j]!] = r.varint();
    const codes = new Uint32Array(length);
    this.countOfCode = new Uint32Array(k);
    for (let i = 0; i < length; i++) {
      const code = r.varint();
      if (code >= k) throw new Error(`${what}: bad code ${code}`);
      codes[i] = code;
      this.countOfCode[code]!++;
    }
    this.sequence = new WaveletMatrix(codes, k);
    const markBytes = r.bytes((length + 7) >>> 3);
    const words = new Uint32Array((length + 31) >>> 5);
    for (let i = 0; i < markBytes.length; i++) words[i >>> 2]! |= markBytes[i]! << ((i & 3) * 8);
    this.marks = new RankBitVector(words, length);
    const samples = this.marks.ones;
    const docWidth = r.varint();
    const offsetWidth = r.varint();
    if (docWidth > 32 || offsetWidth > 32) throw new Error(`${what}: bad sample widths`);
    this.sampleDocs = unpackFixed(r.bytes(packedLength(samples, docWidth)), samples, docWidth);
    this.sampleOffsets = unpackFixed(r.bytes(packedLength(samples, offsetWidth)), samples, offsetWidth);
    if (!r.done) throw new Error(`${what}: trailing bytes`);
  }

  /** Local code of a global symbol, or -1 if it does not occur here. */
  code(symbol: number): number {
    const a = this.sortedSymbols;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = a[mid]!;
      if (v < symbol) lo = mid + 1;
      else if (v > symbol) hi = mid - 1;
      else return this.sortedCodes[mid]!;
    }
    return -1;
  }
}

function maxOf(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  return max;
}

function packBits(bits: Uint8Array): Uint8Array {
  const out = new Uint8Array((bits.length + 7) >>> 3);
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[i >>> 3]! |= 1 << (i & 7);
  return out;
}
