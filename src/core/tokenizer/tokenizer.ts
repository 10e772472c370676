/**
 * The tokenizer contract the index relies on: text in, integer ids out, and context-free per word,
 * so the ids of a span are the same on its own as inside any title (a generated span can be looked
 * up as-is). The index never sees anything but ids, so any tokenizer that keeps this contract fits.
 */
/** A token of a text with where it stands in that text (UTF-16 offsets), for highlighting. */
export interface TokenPiece {
  readonly id: number;
  readonly start: number;
  readonly end: number;
}

export interface Tokenizer {
  /** Stable name of the scheme, stored in the manifest (e.g. "word-v1"). */
  readonly kind: string;
  /** Ids are in [0, vocabSize). */
  readonly vocabSize: number;
  /** Id given to text the vocabulary does not know; it never occurs in an index. */
  readonly unknownId: number;
  encode(text: string): number[];
  /** The same ids as encode(), with their character ranges in `text` (which should be NFKC already). */
  pieces(text: string): TokenPiece[];
  /** The normalized words of a text, each with its ids (their concatenation is encode()). */
  words(text: string): { text: string; ids: number[] }[];
  /** The normalized words of a text, without their ids. */
  wordTexts(text: string): string[];
  /** Normalized text of a token sequence, for showing matched spans. */
  decode(ids: ArrayLike<number>): string;
  /** Self-contained serialized form (loaded by the matching `load…` function). */
  serialize(): Uint8Array;
}
