/**
 * Word-level tokenizer: one id per normalized word. It keeps the tokenizer contract trivially
 * (a word's id never depends on its neighbours) and serves until the span model's subword
 * tokenizer replaces it.
 */
import { normalizeText } from "../text/normalize.ts";
import type { TokenPiece, Tokenizer } from "./tokenizer.ts";

/** Letters (with their combining marks) and digits; decimal points and fractions inside numbers kept ("1.5", "3/4"). */
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:[./][\p{N}]+)*/gu;

export function words(text: string): string[] {
  return normalizeText(text).match(WORD) ?? [];
}

const UNKNOWN = 0;
const KIND = "word-v1";

export class WordTokenizer implements Tokenizer {
  readonly kind = KIND;
  readonly unknownId = UNKNOWN;
  private readonly ids: Map<string, number>;
  /** Vocabulary indices sorted by word (built on the first prefix lookup). */
  private byWord: Uint32Array | undefined;
  private readonly prefixMemo = new Map<string, number[]>();

  /** vocabulary[i] is the word with id i + 1 (id 0 is unknown). */
  constructor(private readonly vocabulary: readonly string[]) {
    this.ids = new Map(vocabulary.map((w, i) => [w, i + 1]));
    if (this.ids.size !== vocabulary.length) throw new Error("word tokenizer: duplicate words in the vocabulary");
  }

  /** Vocabulary of a corpus, most frequent words first (small ids for common words). */
  static train(texts: Iterable<string>): WordTokenizer {
    const freq = new Map<string, number>();
    for (const text of texts) for (const w of words(text)) freq.set(w, (freq.get(w) ?? 0) + 1);
    const vocab = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
    return new WordTokenizer(vocab);
  }

  static load(bytes: Uint8Array): WordTokenizer {
    const text = new TextDecoder().decode(bytes);
    const newline = text.indexOf("\n");
    const head = newline < 0 ? text : text.slice(0, newline);
    if (head !== KIND) throw new Error(`word tokenizer: expected "${KIND}" header, found ${JSON.stringify(head.slice(0, 40))}`);
    const body = newline < 0 ? "" : text.slice(newline + 1);
    return new WordTokenizer(body === "" ? [] : body.split("\n"));
  }

  get vocabSize(): number {
    return this.vocabulary.length + 1;
  }

  encode(text: string): number[] {
    return words(text).map((w) => this.ids.get(w) ?? UNKNOWN);
  }

  pieces(text: string): TokenPiece[] {
    return this.wordPieces(text).map((w) => ({ id: this.ids.get(w.text) ?? UNKNOWN, start: w.start, end: w.end }));
  }

  words(text: string): { text: string; ids: number[] }[] {
    return words(text).map((w) => ({ text: w, ids: [this.ids.get(w) ?? UNKNOWN] }));
  }

  wordTexts(text: string): string[] {
    return words(text);
  }

  /** The normalized words of a text with their [start, end) in the NFKC text (UTF-16 units). */
  wordPieces(text: string): { text: string; start: number; end: number }[] {
    const nfkc = text.normalize("NFKC");
    const lower = nfkc.toLowerCase();
    // Lower-casing almost never changes the length; where it does, map each folded unit back to
    // the range of the character it came from.
    let folded = lower;
    let from: number[] | undefined;
    let to: number[] | undefined;
    if (lower.length !== nfkc.length) {
      from = [];
      to = [];
      folded = "";
      for (let i = 0; i < nfkc.length; ) {
        const ch = String.fromCodePoint(nfkc.codePointAt(i)!);
        const low = ch.toLowerCase();
        for (let j = 0; j < low.length; j++) {
          from.push(i);
          to.push(i + ch.length);
        }
        folded += low;
        i += ch.length;
      }
    }
    const out: { text: string; start: number; end: number }[] = [];
    for (const m of folded.matchAll(WORD)) {
      const start = m.index;
      const end = start + m[0].length;
      out.push({ text: m[0], start: from ? from[start]! : start, end: to ? to[end - 1]! : end });
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) out.push(this.vocabulary[ids[i]! - 1] ?? "<unk>");
    return out.join(" ");
  }

  /**
   * Ids of the vocabulary words that start with `prefix` (normalized, e.g. a partly typed word),
   * at most `limit`, most frequent first (ids are assigned in frequency order). Words are sorted
   * once per tokenizer (lazily), so a lookup is two binary searches plus the matching range;
   * ranges larger than `limit` (short prefixes) are memoized, so their sort is paid once.
   */
  /** Every word is one token: the words a partly typed one may be are those with it as prefix. */
  wordStarts(partial: string, limit: number): number[] {
    return partial === "" ? [] : this.idsWithPrefix(partial, limit);
  }

  isContinuation(): boolean {
    return false;
  }

  idsWithPrefix(prefix: string, limit: number): number[] {
    const n = this.vocabulary.length;
    if (!(limit >= 1)) return [];
    if (prefix === "") return Array.from({ length: Math.min(limit, n) }, (_, i) => i + 1);
    const vocab = this.vocabulary;
    if (!this.byWord) {
      const order = Uint32Array.from({ length: n }, (_, i) => i);
      order.sort((a, b) => (vocab[a]! < vocab[b]! ? -1 : vocab[a]! > vocab[b]! ? 1 : 0));
      this.byWord = order;
    }
    const order = this.byWord;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (vocab[order[mid]!]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    let end = n;
    for (let a = lo; a < end; ) {
      const mid = (a + end) >>> 1;
      if (vocab[order[mid]!]!.startsWith(prefix)) a = mid + 1;
      else end = mid;
    }
    if (end - lo <= limit) return Array.from(order.subarray(lo, end), (i) => i + 1).sort((a, b) => a - b);
    const key = `${limit}\u0000${prefix}`;
    const memo = this.prefixMemo.get(key);
    if (memo) return memo.slice();
    const ids = Array.from(order.slice(lo, end).sort().subarray(0, limit), (i) => i + 1);
    if (this.prefixMemo.size >= 4096) this.prefixMemo.clear();
    this.prefixMemo.set(key, ids);
    return ids.slice();
  }

  /** One word per line after a header line: small, diff-able, fast to parse. */
  serialize(): Uint8Array {
    return new TextEncoder().encode([KIND, ...this.vocabulary].join("\n"));
  }
}
