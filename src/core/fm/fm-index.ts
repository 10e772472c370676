/**
 * FM index over the reversed token sequences of a catalog's titles, read superblock by
 * superblock from any ByteSource (memory, disk, Workers KV chunks).
 *
 * The indexed text is rev(title_0) $ rev(title_1) $ ... rev(title_{D-1}) $ #. Indexing reversed
 * titles makes a backward-search step extend a span to the RIGHT, so a decoder writing a span
 * left to right narrows the range one token at a time, and the distinct BWT symbols of the range
 * are exactly the tokens that may follow the span (next-token enumeration).
 *
 * Locality: after matching a span ending in token t, the range lies inside t's block of the BWT.
 * Counting a span therefore reads only the superblocks of its tokens' blocks, which are known
 * before the query runs and can be fetched in one round trip (superblocksFor / load).
 * Queries are synchronous over loaded superblocks and throw MissingSuperblocks otherwise;
 * locate and extract, which wander, load what they miss in batches.
 */
import { bitWidth } from "./bits.ts";
import { unpackFixed } from "./bytes.ts";
import { inflate } from "./deflate.ts";
import {
  type ByteRange,
  type IndexHeader,
  PREAMBLE_BYTES,
  SENTINEL,
  SEPARATOR,
  TOKEN_BASE,
  decodeHeader,
  decodePreamble,
} from "./format.ts";
import { LocateMemo } from "./locate-memo.ts";
import { Superblock } from "./superblock.ts";

/** Reads byte ranges of a serialized index. One call is one round trip to the backing store. */
export interface ByteSource {
  read(ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
}

/** A half-open range [lo, hi) of BWT positions: the occurrences of a matched span. */
export interface SpanRange {
  readonly lo: number;
  readonly hi: number;
  /** Tokens matched so far (needed to turn a located position into a span start). */
  readonly length: number;
}

export interface Occurrence {
  readonly doc: number;
  /** Token offset of the span's first token in the title. */
  readonly offset: number;
}

export interface NextTokens {
  readonly tokens: Uint32Array;
  readonly counts: Uint32Array;
  /** Occurrences where the span ends the title. */
  readonly titleEnds: number;
}

export class MissingSuperblocks extends Error {
  constructor(readonly ids: number[]) {
    super(`superblocks not loaded: ${ids.slice(0, 8).join(", ")}${ids.length > 8 ? ", …" : ""}`);
    this.name = "MissingSuperblocks";
  }
}

export interface OpenOptions {
  /** Stored bytes of preamble plus header, when known (saves a round trip). */
  readonly headerBytes?: number;
  /** Decoded superblocks kept in memory (least recently used evicted). */
  readonly maxSuperblocks?: number;
  /** Located occurrences remembered for later calls (locate-memo.ts; 0 or absent: none). */
  readonly memoOccurrences?: number;
}

/** Loads at most this many batches per locate or extract call (each batch is one round trip). */
const MAX_LOAD_WAVES = 64;

export class FmIndex {
  readonly header: IndexHeader;
  /** C[s]: number of symbols smaller than s; C[K] = text length. */
  private readonly C: Uint32Array;
  private readonly superblockOffsets: Float64Array;
  /** Decoded superblocks in least-recently-loaded order (for eviction)... */
  private readonly superblocks = new Map<number, Superblock>();
  /** ...and by id, for the hot loops (the same objects). */
  private readonly byId: (Superblock | undefined)[] = [];
  private readonly pending = new Map<number, Promise<void>>();
  private readonly shift: number;
  private readonly maxSuperblocks: number;
  private extractIndex: Uint32Array | undefined;
  private readonly memo: LocateMemo | undefined;
  private readonly step = { value: 0, rank: 0 };
  private crossed = 0;

  private constructor(
    private readonly source: ByteSource,
    header: IndexHeader,
    headerBytes: number,
    options: OpenOptions,
  ) {
    this.header = header;
    this.shift = header.superblockBits;
    this.maxSuperblocks = options.maxSuperblocks ?? Number.POSITIVE_INFINITY;
    if (options.memoOccurrences) this.memo = new LocateMemo(options.memoOccurrences);
    const K = header.symbolCounts.length;
    this.C = new Uint32Array(K + 1);
    for (let s = 0; s < K; s++) this.C[s + 1] = this.C[s]! + header.symbolCounts[s]!;
    this.superblockOffsets = new Float64Array(header.superblockLengths.length + 1);
    this.superblockOffsets[0] = headerBytes;
    for (let i = 0; i < header.superblockLengths.length; i++) {
      this.superblockOffsets[i + 1] = this.superblockOffsets[i]! + header.superblockLengths[i]!;
    }
  }

  static async open(source: ByteSource, options: OpenOptions = {}): Promise<FmIndex> {
    let headerBytes = options.headerBytes;
    let head: Uint8Array;
    if (headerBytes === undefined) {
      const [preamble] = await source.read([{ offset: 0, length: PREAMBLE_BYTES }]);
      headerBytes = PREAMBLE_BYTES + decodePreamble(preamble!);
      [head] = await source.read([{ offset: 0, length: headerBytes }]);
    } else {
      [head] = await source.read([{ offset: 0, length: headerBytes }]);
    }
    const headerLength = decodePreamble(head!);
    if (PREAMBLE_BYTES + headerLength !== headerBytes) throw new Error("index: header length disagrees with the manifest");
    const header = decodeHeader(inflate(head!.subarray(PREAMBLE_BYTES), "index header"));
    return new FmIndex(source, header, headerBytes, options);
  }

  get docCount(): number {
    return this.header.docCount;
  }
  get vocabSize(): number {
    return this.header.vocabSize;
  }
  get superblockCount(): number {
    return this.header.superblockLengths.length;
  }
  /** Total stored bytes (preamble, header, superblocks, extract section). */
  get storedBytes(): number {
    return this.superblockOffsets[this.superblockOffsets.length - 1]! + this.header.extractLength;
  }

  /** How often a token occurs in the catalog (0 for unknown ids). */
  frequency(token: number): number {
    const s = token + TOKEN_BASE;
    return s < this.header.symbolCounts.length && token >= 0 ? this.header.symbolCounts[s]! : 0;
  }

  // ---- loading -------------------------------------------------------------------------------

  /** Superblocks that counting or extending spans made of these tokens will read. */
  superblocksFor(tokens: ArrayLike<number>): number[] {
    const ids = new Set<number>();
    for (let j = 0; j < tokens.length; j++) {
      const s = tokens[j]! + TOKEN_BASE;
      if (tokens[j]! < 0 || s >= this.header.symbolCounts.length || this.header.symbolCounts[s] === 0) continue;
      const last = (this.C[s + 1]! - 1) >>> this.shift;
      for (let id = this.C[s]! >>> this.shift; id <= last; id++) ids.add(id);
    }
    return [...ids];
  }

  /** Loads superblocks in one batch (already loaded or in-flight ones are not fetched again). */
  async load(ids: readonly number[]): Promise<void> {
    const waits: Promise<void>[] = [];
    const wanted: number[] = [];
    for (const id of new Set(ids)) {
      if (id < 0 || id >= this.superblockCount) throw new RangeError(`no superblock ${id}`);
      const sb = this.superblocks.get(id);
      if (sb) {
        this.superblocks.delete(id); // refresh LRU order
        this.superblocks.set(id, sb);
        continue;
      }
      const inFlight = this.pending.get(id);
      if (inFlight) waits.push(inFlight);
      else wanted.push(id);
    }
    if (wanted.length > 0) {
      const batch = this.fetchSuperblocks(wanted);
      for (const id of wanted) this.pending.set(id, batch);
      waits.push(batch.finally(() => wanted.forEach((id) => this.pending.delete(id))));
    }
    await Promise.all(waits);
  }

  private async fetchSuperblocks(ids: number[]): Promise<void> {
    const ranges = ids.map((id) => ({
      offset: this.superblockOffsets[id]!,
      length: this.header.superblockLengths[id]!,
    }));
    const raw = await this.source.read(ranges);
    const decoded = ids.map((id, j) => new Superblock(id, id << this.shift, inflate(raw[j]!, `superblock ${id}`)));
    for (const sb of decoded) {
      this.superblocks.set(sb.id, sb);
      this.byId[sb.id] = sb;
    }
    while (this.superblocks.size > this.maxSuperblocks) {
      const oldest = this.superblocks.keys().next().value!;
      this.superblocks.delete(oldest);
      this.byId[oldest] = undefined;
    }
  }

  /** Loads every superblock (an index fetched whole: Engine.open, evaluation, benchmarks). */
  async loadAll(batch = 256): Promise<void> {
    for (let i = 0; i < this.superblockCount; i += batch) {
      await this.load(Array.from({ length: Math.min(batch, this.superblockCount - i) }, (_, j) => i + j));
    }
  }

  private get(id: number): Superblock {
    const sb = this.byId[id];
    if (!sb) throw new MissingSuperblocks([id]);
    return sb;
  }

  // ---- backward search -----------------------------------------------------------------------

  /** Range of a single token (all its occurrences), or null if it never occurs. */
  tokenRange(token: number): SpanRange | null {
    const s = token + TOKEN_BASE;
    if (token < 0 || s >= this.header.symbolCounts.length) return null;
    const lo = this.C[s]!;
    const hi = this.C[s + 1]!;
    return hi > lo ? { lo, hi, length: 1 } : null;
  }

  /** Narrows the range of span S to that of S + token, or null if S + token never occurs. */
  extend(range: SpanRange, token: number): SpanRange | null {
    const c = token + TOKEN_BASE;
    if (token < 0 || c >= this.header.symbolCounts.length) return null;
    const { lo: l, hi: r } = range;
    const first = l >>> this.shift;
    const last = (r - 1) >>> this.shift;
    let lo = -1;
    for (let id = first; id <= last; id++) {
      const sb = this.get(id);
      const code = sb.code(c);
      if (code < 0) continue;
      const a = Math.max(l, sb.start) - sb.start;
      lo = sb.rankStart[code]! + sb.sequence.rank(code, a);
      break;
    }
    if (lo < 0) return null;
    let hi = lo;
    for (let id = last; id >= first; id--) {
      const sb = this.get(id);
      const code = sb.code(c);
      if (code < 0) continue;
      const b = Math.min(r, sb.start + sb.length) - sb.start;
      hi = sb.rankStart[code]! + sb.sequence.rank(code, b);
      break;
    }
    if (hi <= lo) return null;
    const base = this.C[c]!;
    return { lo: base + lo, hi: base + hi, length: range.length + 1 };
  }

  /** Range of a whole span, or null if it never occurs. Needs superblocksFor(span) loaded. */
  find(span: ArrayLike<number>): SpanRange | null {
    if (span.length === 0) return null;
    let range = this.tokenRange(span[0]!);
    for (let j = 1; j < span.length && range; j++) range = this.extend(range, span[j]!);
    return range;
  }

  count(span: ArrayLike<number>): number {
    const range = this.find(span);
    return range ? range.hi - range.lo : 0;
  }

  /** The distinct tokens that follow the span somewhere in the catalog, with counts. */
  nextTokens(range: SpanRange): NextTokens {
    const counts = new Map<number, number>();
    const add = (symbol: number, n: number): void => {
      counts.set(symbol, (counts.get(symbol) ?? 0) + n);
    };
    const first = range.lo >>> this.shift;
    const last = (range.hi - 1) >>> this.shift;
    for (let id = first; id <= last; id++) {
      const sb = this.get(id);
      const a = Math.max(range.lo, sb.start) - sb.start;
      const b = Math.min(range.hi, sb.start + sb.length) - sb.start;
      if (a === 0 && b === sb.length) {
        for (let code = 0; code < sb.countOfCode.length; code++) add(sb.symbolOfCode[code]!, sb.countOfCode[code]!);
      } else {
        sb.sequence.distinct(a, b, (code, n) => add(sb.symbolOfCode[code]!, n));
      }
    }
    // The first title is preceded by the sentinel (the text is cyclic), all others by a separator.
    const titleEnds = (counts.get(SEPARATOR) ?? 0) + (counts.get(SENTINEL) ?? 0);
    counts.delete(SEPARATOR);
    counts.delete(SENTINEL);
    const tokens = new Uint32Array(counts.size);
    const out = new Uint32Array(counts.size);
    let j = 0;
    for (const [symbol, n] of counts) {
      tokens[j] = symbol - TOKEN_BASE;
      out[j++] = n;
    }
    return { tokens, counts: out, titleEnds };
  }

  // ---- locate and extract --------------------------------------------------------------------

  /**
   * LF mapping from BWT position i (inside the loaded superblock sb): the position of the suffix
   * that starts one token earlier in the text, i.e. one token later in the title. The symbol
   * crossed is left in `this.crossed`.
   */
  private lf(sb: Superblock, i: number): number {
    sb.sequence.accessRank(i - sb.start, this.step);
    const code = this.step.value;
    this.crossed = sb.symbolOfCode[code]!;
    return this.C[this.crossed]! + sb.rankStart[code]! + this.step.rank;
  }

  /**
   * Documents and offsets of the first `max` occurrences of a matched span, in BWT order. Each
   * occurrence walks LF to the nearest sample, at most sampleRate - 1 steps; walks that reach
   * unloaded superblocks wait together for one batched load. With a memo (OpenOptions), the
   * occurrences of recently located spans are served without walking.
   */
  async locate(range: SpanRange, max = Number.POSITIVE_INFINITY): Promise<Occurrence[]> {
    const end = Math.min(range.hi, range.lo + max);
    const count = end > range.lo ? end - range.lo : 0; // also for a max of NaN
    const remembered = this.memo?.get(range, count);
    if (remembered) return remembered;
    const out = new Array<Occurrence>(count);
    let walkers: { at: number; pos: number; steps: number }[] = [];
    for (let at = 0; at < count; at++) walkers.push({ at, pos: range.lo + at, steps: 0 });
    for (let wave = 0; walkers.length > 0; wave++) {
      if (wave > MAX_LOAD_WAVES) throw new Error("locate: too many load waves");
      const waiting: typeof walkers = [];
      const missing = new Set<number>();
      for (const w of walkers) {
        for (;;) {
          const sb = this.byId[w.pos >>> this.shift];
          if (!sb) {
            missing.add(w.pos >>> this.shift);
            waiting.push(w);
            break;
          }
          const local = w.pos - sb.start;
          if (sb.marks.get(local)) {
            const j = sb.marks.rank1(local);
            out[w.at] = { doc: sb.sampleDocs[j]!, offset: sb.sampleOffsets[j]! - w.steps - (range.length - 1) };
            break;
          }
          if (++w.steps > this.header.sampleRate) throw new Error(`locate: no sample within ${this.header.sampleRate} steps`);
          w.pos = this.lf(sb, w.pos);
        }
      }
      if (missing.size > 0) await this.load([...missing]);
      walkers = waiting;
    }
    this.memo?.set(range, out);
    return out;
  }

  /** The token ids of a document's title, by walking LF from its end marker. */
  async extract(doc: number): Promise<number[]> {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.docCount) throw new RangeError(`no document ${doc}`);
    const ends = await this.extractSection();
    let pos = ends[doc]!;
    const tokens: number[] = [];
    for (let step = 0; step <= MAX_LOAD_WAVES * 64; step++) {
      const sb = this.byId[pos >>> this.shift];
      if (!sb) {
        await this.load([pos >>> this.shift]);
        continue;
      }
      const next = this.lf(sb, pos);
      if (this.crossed === SEPARATOR || this.crossed === SENTINEL) return tokens;
      tokens.push(this.crossed - TOKEN_BASE);
      pos = next;
    }
    throw new Error(`extract: document ${doc} did not end`);
  }

  private async extractSection(): Promise<Uint32Array> {
    if (this.extractIndex) return this.extractIndex;
    const offset = this.superblockOffsets[this.superblockOffsets.length - 1]!;
    const [raw] = await this.source.read([{ offset, length: this.header.extractLength }]);
    const bytes = inflate(raw!, "extract section");
    const ends = unpackFixed(bytes, this.docCount, bitWidth(this.docCount - 1));
    const base = this.C[SEPARATOR]!;
    for (let d = 0; d < this.docCount; d++) {
      if (ends[d]! >= this.docCount) throw new Error("extract section: bad entry");
      ends[d] = ends[d]! + base;
    }
    return (this.extractIndex = ends);
  }
}

/** A ByteSource over one in-memory buffer. */
export class BufferSource implements ByteSource {
  reads = 0;
  constructor(private readonly bytes: Uint8Array) {}
  async read(ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
    this.reads++;
    return ranges.map((r) => {
      if (r.offset < 0 || r.offset + r.length > this.bytes.length) throw new RangeError("read past the end of the index");
      return this.bytes.subarray(r.offset, r.offset + r.length);
    });
  }
}
