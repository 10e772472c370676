/**
 * Occurrences of recently located spans, kept per index: shoppers' queries share their words, and
 * locating a frequent word's first 2,048 occurrences walks LF thousands of times. Bounded by the
 * occurrences held (8 bytes each), least recently used evicted. Stored packed and handed out as
 * fresh objects, so a caller may sort or change what it gets.
 */
import type { Occurrence, SpanRange } from "./fm-index.ts";

export class LocateMemo {
  /** Per span: doc, offset, doc, offset, ... of its first occurrences in BWT order. */
  private readonly entries = new Map<string, Int32Array>();
  private held = 0;

  constructor(readonly maxOccurrences: number) {}

  get occurrences(): number {
    return this.held;
  }

  /** The range's first `count` occurrences, if that many are held. */
  get(range: SpanRange, count: number): Occurrence[] | undefined {
    const key = keyOf(range);
    const packed = this.entries.get(key);
    if (!packed || packed.length < 2 * count) return undefined;
    this.entries.delete(key); // re-inserted: now the most recently used
    this.entries.set(key, packed);
    const out = new Array<Occurrence>(count);
    for (let i = 0; i < count; i++) out[i] = { doc: packed[2 * i]!, offset: packed[2 * i + 1]! };
    return out;
  }

  /** Keeps `located`, the range's first occurrences in BWT order, in place of fewer. */
  set(range: SpanRange, located: readonly Occurrence[]): void {
    const count = located.length;
    if (count === 0 || count > this.maxOccurrences) return;
    const key = keyOf(range);
    const known = this.entries.get(key);
    if (known) {
      if (known.length >= 2 * count) return;
      this.entries.delete(key);
      this.held -= known.length / 2;
    }
    const packed = new Int32Array(2 * count);
    located.forEach((o, i) => {
      packed[2 * i] = o.doc;
      packed[2 * i + 1] = o.offset;
    });
    this.entries.set(key, packed);
    this.held += count;
    for (const [oldest, evicted] of this.entries) {
      if (this.held <= this.maxOccurrences) break;
      this.entries.delete(oldest);
      this.held -= evicted.length / 2;
    }
  }
}

/** A span's length takes part: the offsets it gives back depend on it. */
function keyOf(range: SpanRange): string {
  return `${range.lo}:${range.hi}:${range.length}`;
}
