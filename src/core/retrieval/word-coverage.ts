/**
 * Coverage of the query's words by a title, word by word, for rescoring: the evidence a piece span
 * misses when a title writes the word otherwise. A query word counts:
 * - at full strength when the title has it;
 * - at NEAR strength when a title word starts with it ("gfc" → "gfci") or is within the typo
 *   distance of typos.ts ("rechargale" → "rechargeable");
 * - at STEM strength when a title word shares its stem: the same first letters, at least
 *   MIN_STEM of them, the longer word ending at most STEM_TAIL letters later ("cleaner" →
 *   "cleaning", "install" → "installed").
 * Each word is weighted by its inverse catalog frequency, as a BM25 term is. Words with a digit
 * match exactly only. The strengths were tuned on train queries with src/eval/tune-lexical.ts
 * (0..400, Recall@10): near 0.5 / 0.75 / 0.9 without stems 0.5128 / 0.5151 / –, with stems at 0.5
 * – / 0.5238 / 0.5275 (stems at 0.25 / 0.75 / 1 with near 0.5: 0.5190 / 0.5205 / 0.5180); on
 * 400..1200, near 0.5 without stems 0.4734, near 0.9 with stems 0.5 0.4805.
 */
import type { FmIndex } from "../fm/fm-index.ts";
import type { Tokenizer } from "../tokenizer/tokenizer.ts";
import { wordsWithin } from "./tokens.ts";
import { FUZZY, editDistance } from "./typos.ts";

const NEAR = 0.9;
const STEM = 0.5;
/** Shortest query word matched as a prefix. */
const MIN_PREFIX = 3;
const MIN_STEM = 4;
const STEM_TAIL = 3;

interface QueryWord {
  readonly text: string;
  readonly chars: string[];
  readonly weight: number;
  readonly maxEdits: number;
}

/** What rankBySpans takes: the coverage of one query and its weight in the score. */
export interface WeightedCoverage {
  readonly words: WordCoverage;
  readonly weight: number;
}

/**
 * The coverage of a query's words whose ids are all among its first `tokens` (the ids searched, so
 * their superblocks are loaded), at `weight`; undefined at weight 0.
 */
export function queryCoverage(tokenizer: Tokenizer, index: FmIndex, query: string, tokens: number, N: number, weight: number): WeightedCoverage | undefined {
  if (!(weight > 0)) return undefined;
  return { words: new WordCoverage(tokenizer, index, wordsWithin(tokenizer, query, tokens), N), weight };
}

export class WordCoverage {
  private readonly words: QueryWord[];
  private readonly seen = new Map<string, Float64Array>();

  /**
   * `words`: the query's words with their piece ids (the superblocks of those ids loaded);
   * `N`: the catalog's indexed tokens.
   */
  constructor(
    private readonly tokenizer: Tokenizer,
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
  if (word.chars.length >= MIN_PREFIX && title.startsWith(word.text)) return NEAR;
  if (editDistance(word.chars, titleChars, word.maxEdits) <= word.maxEdits) return NEAR;
  let common = 0;
  while (common < word.chars.length && common < titleChars.length && word.chars[common] === titleChars[common]) common++;
  return common >= MIN_STEM && common + STEM_TAIL >= Math.max(word.chars.length, titleChars.length) ? STEM : 0;
}
