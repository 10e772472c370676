/**
 * Past-query index: the distinct normalized queries of a log with their counts, answering "the
 * most frequent logged queries that start with this prefix" with bounded work.
 *
 * Layout, and why: queries are kept SORTED (UTF-16 code-unit order), so the queries starting
 * with a prefix are one contiguous range, found by two binary searches (O(log N) string
 * comparisons). Ranking that range by count is a scan, which would be unbounded for short
 * prefixes ("s" matches thousands of queries), so every prefix whose range holds more than
 * `scanLimit` queries (a "heavy" prefix) gets its top `topK` precomputed when the index is built.
 * A lookup therefore touches at most 2·log2(N) strings plus min(range, scanLimit) entries, or
 * one precomputed list. Heavy prefixes are few: at each prefix length their ranges are disjoint
 * and each holds more than scanLimit queries, so there are fewer than N / scanLimit per length.
 * A trie with top-k lists at every node would answer in O(|prefix|) too, but stores a list per
 * node (roughly one per character of the log) and needs a pointer structure in the artifact; the
 * sorted array IS the artifact (it deflates well, neighbours share prefixes) and only the few
 * heavy prefixes carry lists.
 *
 * Serialized form (then raw DEFLATE): a line `queries-v1`, a line `N<TAB>H<TAB>topK<TAB>scanLimit`,
 * N lines `count<TAB>query` in sorted order, H lines `prefix<TAB>i,j,…` (indices into the N).
 * Normalized queries hold no tab or newline (normalizeText collapses all whitespace to spaces).
 */
import { deflate, inflate } from "../fm/deflate.ts";
import { normalizeText } from "../text/normalize.ts";
import { MAX_LOGGED_QUERY_CHARS, type QueryCount } from "./query-log.ts";

const KIND = "queries-v1";

export interface QueryIndexOptions {
  /** Entries precomputed per heavy prefix; lookups return at most this many. Default 20. */
  readonly topK?: number;
  /** Largest range a lookup scans; larger ranges are heavy prefixes with precomputed lists. Default 64. */
  readonly scanLimit?: number;
  /** Queries kept (the most frequent); the rest are dropped. Default 1,000,000. */
  readonly maxQueries?: number;
  /** Queries seen fewer times are dropped (rare typos and one-offs). Default 1. */
  readonly minCount?: number;
}

export interface QueryMatch {
  readonly text: string;
  readonly count: number;
}

export interface QueryLookup {
  /** Best matches: count descending, then shorter, then alphabetical. */
  readonly matches: readonly QueryMatch[];
  /** Logged queries that start with the prefix, and their total count. */
  readonly rangeSize: number;
  readonly rangeCount: number;
  /** Entries this lookup looked at (bounded by scanLimit, or topK for a heavy prefix). */
  readonly scanned: number;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class QueryIndex {
  /** cumulative[i] = sum of counts[0 .. i). */
  private readonly cumulative: Float64Array;

  private constructor(
    private readonly texts: readonly string[],
    private readonly counts: Uint32Array,
    private readonly heavy: ReadonlyMap<string, Uint32Array>,
    readonly topK: number,
    readonly scanLimit: number,
  ) {
    this.cumulative = new Float64Array(texts.length + 1);
    for (let i = 0; i < texts.length; i++) this.cumulative[i + 1] = this.cumulative[i]! + counts[i]!;
  }

  static build(log: Iterable<QueryCount>, options: QueryIndexOptions = {}): QueryIndex {
    const topK = options.topK ?? 20;
    const scanLimit = options.scanLimit ?? 64;
    const minCount = options.minCount ?? 1;
    if (!Number.isInteger(topK) || topK < 1 || topK > 1000) throw new RangeError("topK must be an integer from 1 to 1000");
    if (!Number.isInteger(scanLimit) || scanLimit < topK) throw new RangeError("scanLimit must be an integer of at least topK");
    const merged = new Map<string, number>();
    for (const { text, count } of log) {
      const q = normalizeText(text);
      if (q === "" || q.length > MAX_LOGGED_QUERY_CHARS || !(count > 0)) continue;
      merged.set(q, (merged.get(q) ?? 0) + Math.floor(count));
    }
    let entries = [...merged].filter(([, c]) => c >= minCount);
    const maxQueries = options.maxQueries ?? 1_000_000;
    if (entries.length > maxQueries) entries = entries.sort((a, b) => b[1] - a[1] || byText(a[0], b[0])).slice(0, maxQueries);
    entries.sort((a, b) => byText(a[0], b[0]));
    const texts = entries.map(([t]) => t);
    const counts = Uint32Array.from(entries, ([, c]) => Math.min(c, 0xffffffff));
    return new QueryIndex(texts, counts, heavyPrefixes(texts, counts, topK, scanLimit), topK, scanLimit);
  }

  static async load(bytes: Uint8Array, what = "queries"): Promise<QueryIndex> {
    const text = new TextDecoder().decode(inflate(bytes, what));
    const lines = text.split("\n");
    if (lines[0] !== KIND) throw new Error(`${what}: expected "${KIND}" header, found ${JSON.stringify(lines[0]?.slice(0, 40))}`);
    const [n, h, topK, scanLimit] = (lines[1] ?? "").split("\t").map(Number) as [number, number, number, number];
    if (![n, h, topK, scanLimit].every((x) => Number.isInteger(x) && x >= 0) || lines.length < 2 + n + h) {
      throw new Error(`${what}: malformed counts line`);
    }
    const texts: string[] = new Array(n);
    const counts = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const line = lines[2 + i]!;
      const tab = line.indexOf("\t");
      const c = Number(line.slice(0, tab));
      if (tab < 1 || !Number.isInteger(c) || c < 1) throw new Error(`${what}: malformed query entry ${i}`);
      texts[i] = line.slice(tab + 1);
      counts[i] = c;
      if (i > 0 && !(texts[i - 1]! < texts[i]!)) throw new Error(`${what}: queries are not sorted at entry ${i}`);
    }
    const heavy = new Map<string, Uint32Array>();
    for (let j = 0; j < h; j++) {
      const line = lines[2 + n + j]!;
      const tab = line.lastIndexOf("\t");
      const ids = Uint32Array.from(line.slice(tab + 1).split(","), Number);
      if (tab < 1 || ids.some((id) => id >= n) || ids.length > topK) throw new Error(`${what}: malformed prefix entry ${j}`);
      heavy.set(line.slice(0, tab), ids);
    }
    return new QueryIndex(texts, counts, heavy, topK, scanLimit);
  }

  async serialize(): Promise<Uint8Array> {
    const lines = [KIND, [this.texts.length, this.heavy.size, this.topK, this.scanLimit].join("\t")];
    for (let i = 0; i < this.texts.length; i++) lines.push(`${this.counts[i]}\t${this.texts[i]}`);
    for (const [prefix, ids] of this.heavy) lines.push(`${prefix}\t${ids.join(",")}`);
    return deflate(new TextEncoder().encode(lines.join("\n")));
  }

  /** Distinct queries held. */
  get size(): number {
    return this.texts.length;
  }
  get totalCount(): number {
    return this.cumulative[this.texts.length]!;
  }
  get heavyPrefixCount(): number {
    return this.heavy.size;
  }

  /** The range [lo, hi) of queries starting with `prefix` (already normalized). */
  range(prefix: string): { lo: number; hi: number } {
    const t = this.texts;
    // first index whose text is >= prefix
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    // first index from lo whose text does not start with prefix (texts >= prefix that start with it come first)
    let a = lo;
    let b = t.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (t[mid]!.startsWith(prefix)) a = mid + 1;
      else b = mid;
    }
    return { lo, hi: a };
  }

  /** The k most frequent logged queries starting with `prefix` (normalized, may end in a space). */
  complete(prefix: string, k: number): QueryLookup {
    if (prefix === "" || k < 1) return { matches: [], rangeSize: 0, rangeCount: 0, scanned: 0 };
    const { lo, hi } = this.range(prefix);
    const rangeSize = hi - lo;
    const rangeCount = this.cumulative[hi]! - this.cumulative[lo]!;
    let ids: ArrayLike<number>;
    let scanned: number;
    const listed = rangeSize > this.scanLimit ? this.heavy.get(prefix) : undefined;
    if (listed) {
      ids = listed;
      scanned = listed.length;
    } else {
      // A range over scanLimit always has a list (built for every such prefix); if a hand-made
      // artifact lacks one, scan only the first scanLimit entries rather than the whole range.
      const end = Math.min(hi, lo + this.scanLimit);
      ids = this.topOf(lo, end, k);
      scanned = end - lo;
    }
    const matches: QueryMatch[] = [];
    for (let j = 0; j < ids.length && matches.length < k; j++) matches.push({ text: this.texts[ids[j]!]!, count: this.counts[ids[j]!]! });
    return { matches, rangeSize, rangeCount, scanned };
  }

  private topOf(lo: number, hi: number, k: number): number[] {
    return topOf(this.texts, this.counts, lo, hi, k);
  }
}

function topOf(texts: readonly string[], counts: Uint32Array, lo: number, hi: number, k: number): number[] {
  const ids: number[] = [];
  for (let i = lo; i < hi; i++) ids.push(i);
  ids.sort((a, b) => counts[b]! - counts[a]! || texts[a]!.length - texts[b]!.length || byText(texts[a]!, texts[b]!));
  return ids.slice(0, k);
}

/** Top-k lists for every prefix whose range exceeds scanLimit (each heavy range is refined one character at a time). */
function heavyPrefixes(texts: readonly string[], counts: Uint32Array, topK: number, scanLimit: number): Map<string, Uint32Array> {
  const heavy = new Map<string, Uint32Array>();
  const stack: { lo: number; hi: number; length: number }[] = [{ lo: 0, hi: texts.length, length: 1 }];
  while (stack.length > 0) {
    const { lo, hi, length } = stack.pop()!;
    for (let i = lo; i < hi; ) {
      if (texts[i]!.length < length) {
        i++;
        continue;
      }
      const prefix = texts[i]!.slice(0, length);
      let j = i + 1;
      while (j < hi && texts[j]!.startsWith(prefix)) j++;
      if (j - i > scanLimit) {
        heavy.set(prefix, Uint32Array.from(topOf(texts, counts, i, j, topK)));
        stack.push({ lo: i, hi: j, length: length + 1 });
      }
      i = j;
    }
  }
  return heavy;
}
