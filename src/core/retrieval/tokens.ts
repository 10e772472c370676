import type { Tokenizer } from "../tokenizer/tokenizer.ts";

/** First position of `needle` in `haystack` (token id sequences), or -1. */
export function indexOf(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The words of a text whose ids all fall within its first `maxTokens` ids (what a query search reads). */
export function wordsWithin(tokenizer: Tokenizer, text: string, maxTokens: number): { text: string; ids: number[] }[] {
  const out = [];
  let budget = maxTokens;
  for (const word of tokenizer.words(text)) {
    budget -= word.ids.length;
    if (budget < 0) break;
    out.push(word);
  }
  return out;
}
