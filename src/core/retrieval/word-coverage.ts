/**
 * Coverage of the query's words by a title, word by word, for rescoring: the evidence a piece span
 * misses when a title writes the word otherwise. A query word counts at full strength when the
 * title has it; at PARTIAL strength when a title word starts with it ("gfc" → "gfci") or is within
 * the typo distance of typos.ts ("rechargale" → "rechargeable"). Each word is weighted by its
 * inverse catalog frequency, as a BM25 term is. Words with a digit match exactly only.
 */
import type { FmIndex } from "../fm/fm-index.ts";
import type { WordPieceTokenizer } from "../tokenizer/wordpiece.ts";
import { FUZZY, editDistance } from "./typos.ts";

/** Strength of a prefix or near match, against 1 for the word itself (MiniSearch's are 0.375 and 0.45). */
const PARTIAL = 0.5;
/** Shortest query word matched as a prefix. */
const MIN_PREFIX = 3;

interface QueryWord {
  readonly text: string;
  readonly chars: string[];
  readonly weight: number;
  readonly maxEdits: number;
}

export class WordCoverage {
  private readonly words: QueryWord[];
  private readonly seen = new Map<string, Float64Array>();

  /**
   * `words`: the query's words with their piece ids (the superblocks of those ids loaded);
   * `N`: the catalog's indexed tokens.
   */
  constructor(
    private readonly tokenizer: WordPieceTokenizer,
    index: FmIndex,
    words: readonly { readonly text: string; readonly ids: readonly number[] }[],
    N: number,
  ) {
    const distinct = new Map<string, QueryWord>();
    for (const { text, ids } of words) {
      if (distinct.has(text)) continue;
      const F = Math.max(1, index.count(ids)); // a word found nowhere still counts, as its near matches
      const weight = Math.log((N + 1) / F);
      const chars = Array.from(text);
      const maxEdits = /\d/u.test(text) ? 0 : Math.round(FUZZY * chars.length);
      distinct.set(text, { text, chars, weight, maxEdits });
    }
    this.words = [...distinct.values()];
  }

  /** Sum over query words of weight × best match strength among the title's words. */
  score(title: string): number {
    const best = new Float64Array(this.words.length);
    for (const t of this.tokenizer.wordTexts(title)) {
      const strengths = this.strengthsOf(t);
      for (let i = 0; i < best.length; i++) if (strengths[i]! > best[i]!) best[i] = strengths[i]!;
    }
    let total = 0;
    for (let i = 0; i < best.length; i++) total += this.words[i]!.weight * best[i]!;
    return total;
  }

  /** Each query word's match strength on a title word (memoized: candidate titles share words). */
  private strengthsOf(titleWord: string): Float64Array {
    let strengths = this.seen.get(titleWord);
    if (!strengths) {
      const chars = Array.from(titleWord);
      strengths = Float64Array.from(this.words, (w) => (w.text === titleWord ? 1 : partial(w, titleWord, chars)));
      this.seen.set(titleWord, strengths);
    }
    return strengths;
  }
}

function partial(word: QueryWord, title: string, titleChars: readonly string[]): number {
  if (word.maxEdits === 0) return 0;
  if (word.chars.length >= MIN_PREFIX && title.startsWith(word.text)) return PARTIAL;
  return editDistance(word.chars, titleChars, word.maxEdits) <= word.maxEdits ? PARTIAL : 0;
}
