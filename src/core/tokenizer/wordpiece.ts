/**
 * WordPiece tokenizer of the span model (trained by edgespan_ml/tokenizer.py, file in wasm/).
 * Each word (the same split as the word tokenizer) is cut on its own, greedily into the longest
 * vocabulary pieces, continuation pieces written "##…": context-free per word, so a span's ids are
 * the same alone as inside any title. The Python implementation is the reference; a parity test
 * compares both on every catalog title and dev query.
 */
import type { TokenPiece, Tokenizer } from "./tokenizer.ts";
import { WordTokenizer } from "./word-tokenizer.ts";

const KIND = "wordpiece-v1";
export const SPECIALS = ["[PAD]", "[UNK]", "[SEP]", "[BOS]", "[EOS]"] as const;
export const PAD = 0;
export const UNK = 1;
export const SEP = 2;
export const BOS = 3;
export const EOS = 4;
/** Longer "words" (long model numbers) become [UNK], as in Python. */
const MAX_WORD_CHARS = 64;

export class WordPieceTokenizer implements Tokenizer {
  readonly kind = KIND;
  readonly unknownId = UNK;
  private readonly ids: Map<string, number>;
  private readonly maxPieceChars: number;
  /** Word boundaries and offsets come from the word tokenizer's split (its ids are unused). */
  private readonly splitter = new WordTokenizer([]);

  constructor(private readonly vocab: readonly string[]) {
    if (SPECIALS.some((s, i) => vocab[i] !== s)) throw new Error(`wordpiece: vocabulary must start with ${SPECIALS.join(" ")}`);
    this.ids = new Map(vocab.map((p, i) => [p, i]));
    if (this.ids.size !== vocab.length) throw new Error("wordpiece: duplicate pieces in the vocabulary");
    let longest = 1;
    for (let i = SPECIALS.length; i < vocab.length; i++) {
      longest = Math.max(longest, Array.from(vocab[i]!.startsWith("##") ? vocab[i]!.slice(2) : vocab[i]!).length);
    }
    this.maxPieceChars = longest;
  }

  static load(bytes: Uint8Array): WordPieceTokenizer {
    const lines = new TextDecoder().decode(bytes).replace(/\n$/u, "").split("\n");
    if (lines[0] !== KIND) throw new Error(`wordpiece: expected "${KIND}" header, found ${JSON.stringify((lines[0] ?? "").slice(0, 40))}`);
    return new WordPieceTokenizer(lines.slice(1));
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Whether a token continues a word ("##…") rather than starting one. */
  isContinuation(id: number): boolean {
    return this.vocab[id]?.startsWith("##") ?? false;
  }

  /** Word-initial pieces, sorted by text (built on the first prefix lookup). */
  private starts?: { text: string; id: number }[];

  /**
   * Word-initial pieces a word typed so far as `partial` may begin with: those that start with it
   * ("cord" → "cordless"), then those it starts with, longest first ("cordl" → "cord", which
   * "##less" may continue). At most `limit`, lowest ids first within the first group.
   */
  wordStarts(partial: string, limit: number): number[] {
    if (!(limit >= 1) || partial === "") return [];
    if (!this.starts) {
      this.starts = [];
      for (let id = SPECIALS.length; id < this.vocab.length; id++) if (!this.isContinuation(id)) this.starts.push({ text: this.vocab[id]!, id });
      this.starts.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    }
    const starts = this.starts;
    let lo = 0;
    for (let hi = starts.length; lo < hi; ) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]!.text < partial) lo = mid + 1;
      else hi = mid;
    }
    const longer: number[] = [];
    for (let i = lo; i < starts.length && starts[i]!.text.startsWith(partial); i++) longer.push(starts[i]!.id);
    longer.sort((a, b) => a - b);
    const chars = Array.from(partial);
    const shorter: number[] = [];
    for (let n = Math.min(chars.length - 1, this.maxPieceChars); n >= 1; n--) {
      const id = this.ids.get(chars.slice(0, n).join(""));
      if (id !== undefined && id >= SPECIALS.length) shorter.push(id);
    }
    return [...longer, ...shorter].slice(0, limit);
  }

  /** Ids of one normalized word, with each piece's [start, end) in code points. */
  private word(word: string): { id: number; from: number; to: number }[] {
    const chars = Array.from(word); // code points, as Python iterates them
    if (chars.length > MAX_WORD_CHARS) return [{ id: UNK, from: 0, to: chars.length }];
    const out: { id: number; from: number; to: number }[] = [];
    for (let start = 0; start < chars.length; ) {
      let found = -1;
      let end = Math.min(chars.length, start + this.maxPieceChars);
      for (; end > start; end--) {
        const piece = (start > 0 ? "##" : "") + chars.slice(start, end).join("");
        const id = this.ids.get(piece);
        if (id !== undefined) {
          found = id;
          break;
        }
      }
      if (found < 0) return [{ id: UNK, from: 0, to: chars.length }];
      out.push({ id: found, from: start, to: end });
      start = end;
    }
    return out;
  }

  encode(text: string): number[] {
    return this.pieces(text).map((p) => p.id);
  }

  /** The normalized words of a text, each with its piece ids (their concatenation is encode()). */
  words(text: string): { text: string; ids: number[] }[] {
    return this.splitter.wordPieces(text).map((w) => ({ text: w.text, ids: this.word(w.text).map((p) => p.id) }));
  }

  /** The normalized words of a text, without their pieces. */
  wordTexts(text: string): string[] {
    return this.splitter.wordPieces(text).map((w) => w.text);
  }

  /** Text of a piece without its "##" (the empty string for an unknown id). */
  pieceText(id: number): string {
    const piece = this.vocab[id] ?? "";
    return piece.startsWith("##") ? piece.slice(2) : piece;
  }

  pieces(text: string): TokenPiece[] {
    const out: TokenPiece[] = [];
    for (const w of this.splitter.wordPieces(text)) {
      // Offsets inside a word count code points of the folded word; map them onto the text.
      const units = Array.from(w.text).map((c) => c.length);
      let unit = 0;
      const unitAt = [0];
      for (const u of units) unitAt.push((unit += u));
      for (const p of this.word(w.text)) {
        const start = p.from === 0 ? w.start : Math.min(w.end, w.start + unitAt[p.from]!);
        const end = p.to === units.length ? w.end : Math.min(w.end, w.start + unitAt[p.to]!);
        out.push({ id: p.id, start, end });
      }
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let text = "";
    for (let i = 0; i < ids.length; i++) {
      const piece = this.vocab[ids[i]!] ?? "[UNK]";
      if (piece.startsWith("##")) text += piece.slice(2);
      else text += (text === "" ? "" : " ") + piece;
    }
    return text;
  }

  serialize(): Uint8Array {
    return new TextEncoder().encode([KIND, ...this.vocab].join("\n") + "\n");
  }
}
