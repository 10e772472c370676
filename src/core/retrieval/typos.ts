/**
 * Typo tolerance for the lexical path, as shoppers know it from Algolia or MiniSearch: a query word
 * that occurs in no title (its pieces form no span of the catalog) is searched as the closest word
 * that does. "Closest" is the edit distance with adjacent transpositions counted as one edit, at
 * most a fifth of the word's length, rounded (bm25-fuzzy's MiniSearch setting: 1 edit from 3
 * letters, 2 from 8; none below 3); on a tie the more frequent word wins. Words with a digit are
 * left alone. Candidates are the catalog's word-initial pieces, whole words for all but rare ones.
 */
import type { FmIndex } from "../fm/fm-index.ts";
import type { WordPieceTokenizer } from "../tokenizer/wordpiece.ts";

/** Edits allowed per letter (rounded): typos.ts and word-coverage.ts. */
export const FUZZY = 0.2;

/** A catalog word of one piece. */
export interface CatalogWord {
  readonly text: string;
  readonly id: number;
}

interface Candidate extends CatalogWord {
  readonly chars: string[];
  readonly frequency: number;
}

export class TypoCorrector {
  /** Candidates by their length in code points. */
  private readonly byLength: Candidate[][] = [];

  constructor(
    private readonly index: FmIndex,
    private readonly tokenizer: WordPieceTokenizer,
    /** Word-initial pieces that occur in the catalog (spanStarts). */
    starts: readonly number[],
  ) {
    for (const id of starts) {
      const text = tokenizer.pieceText(id);
      const chars = Array.from(text);
      (this.byLength[chars.length] ??= []).push({ text, chars, id, frequency: index.frequency(id) });
    }
  }

  /**
   * The catalog word to search instead of a query word that occurs in no title, if one is close
   * enough. Counts the word's span, so the superblocks of its pieces must be loaded.
   */
  correction(word: { readonly text: string; readonly ids: readonly number[] }): CatalogWord | undefined {
    if (/\d/u.test(word.text)) return undefined; // one edit in a number names another product
    if (!word.ids.includes(this.tokenizer.unknownId) && this.index.count(word.ids) > 0) return undefined;
    const chars = Array.from(word.text);
    const max = Math.round(FUZZY * chars.length);
    if (max === 0) return undefined;
    let best: Candidate | undefined;
    let bestDistance = max + 1;
    for (let length = Math.max(1, chars.length - max); length <= chars.length + max; length++) {
      for (const c of this.byLength[length] ?? []) {
        const d = editDistance(chars, c.chars, Math.min(max, bestDistance));
        if (d < bestDistance || (d === bestDistance && best && c.frequency > best.frequency)) {
          best = c;
          bestDistance = d;
        }
      }
    }
    return best && { text: best.text, id: best.id };
  }
}

/** editDistance's three rows of the table, reused across calls (typo correction makes thousands a query). */
let rows = new Int32Array(3 * 64);

/**
 * Optimal string alignment distance between a and b (Levenshtein plus swaps of adjacent letters),
 * or any value above `max` as soon as it must exceed it.
 */
export function editDistance(a: readonly string[], b: readonly string[], max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (rows.length < 3 * (b.length + 1)) rows = new Int32Array(6 * (b.length + 1));
  const width = b.length + 1;
  let before = 0;
  let previous = width;
  let current = 2 * width;
  for (let j = 0; j <= b.length; j++) rows[previous + j] = j;
  for (let i = 1; i <= a.length; i++) {
    rows[current] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(rows[previous + j]! + 1, rows[current + j - 1]! + 1, rows[previous + j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[before + j - 2]! + 1);
      rows[current + j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    [before, previous, current] = [previous, current, before];
  }
  return rows[previous + b.length]!;
}
