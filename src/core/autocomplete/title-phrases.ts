/**
 * Title phrases: completions of a partly typed query read off the FM index of product titles.
 *
 * The index is over reversed titles, so a span's range extends to the RIGHT (index.extend) and
 * the distinct symbols of a range are the tokens that follow the span, with counts
 * (index.nextTokens). For "matte black d":
 *   1. context = the complete words ("matte black", at most `maxContext` of the last ones, cut
 *      after the last word the vocabulary does not know), matched as the longest suffix that
 *      occurs in some title: one prefetch of its tokens' superblocks, then synchronous FM calls;
 *   2. candidates = the tokens following the context whose word starts with the partial word "d"
 *      ("door" 40, "deck" 2, …). Small ranges (≤ `enumerateMax` occurrences) enumerate their next
 *      tokens exactly; larger ones test the `prefixCandidates` vocabulary pieces a word with that
 *      prefix may start with (WordVocabulary.wordStarts) by extending the range with each, so the
 *      work is bounded either way. With a subword tokenizer a word may be several pieces: a
 *      candidate shorter than the partial word ("cord" for "cordl") is extended by the
 *      continuation pieces that keep it compatible ("##less"), at most `continueSteps` times;
 *   3. each of the best k candidates is extended greedily by up to `extendSteps` more tokens, each
 *      time by the most frequent next token, and only while that token follows in more than
 *      `extendShare` of the phrase's occurrences ("door" → "door knob", but "matte black" stays:
 *      its continuations are spread over several words).
 * Without complete words the partial word alone is completed, by catalog frequency (and grown only
 * to the end of its word).
 *
 * share = count(context + candidate) / Σ count over all matching candidates: the chance that a
 * title continuing the context with a word starting with the partial one continues with this one.
 */
import type { FmIndex, SpanRange } from "../fm/fm-index.ts";
import type { Tokenizer } from "../tokenizer/tokenizer.ts";
import type { ParsedPrefix } from "./prefix.ts";

/** What title phrases need of a tokenizer: the pieces a partly typed word may start with, and which pieces continue a word. */
export interface WordVocabulary {
  wordStarts(partial: string, limit: number): number[];
  isContinuation(id: number): boolean;
}

export function hasWordVocabulary(t: Tokenizer): t is Tokenizer & WordVocabulary {
  return typeof (t as Partial<WordVocabulary>).wordStarts === "function" && typeof (t as Partial<WordVocabulary>).isContinuation === "function";
}

export interface TitleOptions {
  /** Complete words used as context (the last ones). */
  readonly maxContext: number;
  /** Context ranges up to this many occurrences enumerate their next tokens exactly. */
  readonly enumerateMax: number;
  /** Vocabulary pieces tried against larger ranges. */
  readonly prefixCandidates: number;
  /** Continuation pieces a candidate may take to cover the partial word (subword tokenizers). */
  readonly continueSteps: number;
  /** Extra tokens a phrase may grow by. */
  readonly extendSteps: number;
  /** A phrase grows only by a token that follows in more than this share of its occurrences. */
  readonly extendShare: number;
  /** Phrases with more occurrences than this are not grown (enumerating their followers would cost too much). */
  readonly extendMaxRange: number;
}

export const DEFAULT_TITLE_OPTIONS: TitleOptions = {
  maxContext: 4,
  enumerateMax: 4096,
  prefixCandidates: 64,
  continueSteps: 3,
  extendSteps: 2,
  extendShare: 0.5,
  extendMaxRange: 4096,
};

export interface TitlePhrase {
  /** The typed complete words plus the completion, as normalized words. */
  readonly text: string;
  /** Occurrences of context + first completed token in the titles. */
  readonly count: number;
  readonly share: number;
}

export interface TitleLookup {
  readonly phrases: readonly TitlePhrase[];
  /** Candidate tokens looked at (bounded by enumerateMax or prefixCandidates). */
  readonly candidates: number;
}

const NONE: TitleLookup = { phrases: [], candidates: 0 };

interface Candidate {
  tokens: number[];
  /** The word written so far by `tokens` (no spaces: they are one word). */
  text: string;
  range: SpanRange;
  /** Occurrences of the word: the range, less those where a continuation piece follows (once the word is finished). */
  count: number;
}

/** Whether a word beginning `text` can still be the partly typed one, or already is. */
const compatible = (text: string, partial: string): boolean => text.startsWith(partial) || partial.startsWith(text);

export async function titlePhrases(
  index: FmIndex,
  tokenizer: Tokenizer & WordVocabulary,
  prefix: ParsedPrefix,
  k: number,
  options: TitleOptions = DEFAULT_TITLE_OPTIONS,
): Promise<TitleLookup> {
  const { complete, partial } = prefix;
  const piece = (id: number): string => tokenizer.decode([id]);
  if (complete.length === 0 && partial === "") return NONE;

  // 1. context: the longest suffix of the last complete words that occurs in some title
  let context: SpanRange | null = null;
  if (complete.length > 0) {
    let ids = complete.slice(-options.maxContext).flatMap((w) => tokenizer.encode(w));
    ids = ids.slice(ids.lastIndexOf(tokenizer.unknownId) + 1);
    if (ids.length === 0) return NONE;
    await index.load(index.superblocksFor(ids));
    for (let start = 0; start < ids.length && !context; start++) context = index.find(ids.slice(start));
    if (!context) return NONE;
  }

  // 2. candidates: word-initial tokens (after the context) compatible with the partial word
  let candidates: Candidate[] = [];
  let looked: number;
  if (context && context.hi - context.lo <= options.enumerateMax) {
    const next = index.nextTokens(context);
    looked = next.tokens.length;
    for (const id of next.tokens) {
      if (tokenizer.isContinuation(id) || !compatible(piece(id), partial)) continue;
      const range = index.extend(context, id)!;
      candidates.push({ tokens: [id], text: piece(id), range, count: range.hi - range.lo });
    }
  } else {
    const tried = tokenizer.wordStarts(partial, options.prefixCandidates);
    looked = tried.length;
    for (const id of tried) {
      const range = context ? index.extend(context, id) : index.tokenRange(id);
      if (range) candidates.push({ tokens: [id], text: piece(id), range, count: range.hi - range.lo });
    }
  }
  candidates = await finishWords(index, tokenizer, await continueWords(index, tokenizer, candidates, partial, options), options);
  const total = candidates.reduce((s, c) => s + c.count, 0);
  candidates.sort((a, b) => b.count - a.count || a.tokens[0]! - b.tokens[0]! || a.tokens.length - b.tokens.length);
  candidates = candidates.slice(0, k);

  // 3. grow each phrase by its dominant continuation, one batched superblock load per step.
  //    The candidate's word is finished (finishWords), so the first growth is by a next word,
  //    measured against the word's own occurrences; without context phrases do not grow.
  //    extendSteps counts words; the pieces that finish the last word come on top (continueSteps).
  const phrases = candidates.map((c) => ({ tokens: c.tokens, count: c.count, range: c.range as SpanRange | null, base: c.count, words: 0, growing: context !== null }));
  for (let step = 0; step < options.extendSteps + options.continueSteps; step++) {
    const growing = phrases.filter((p) => p.growing && p.range !== null && p.range.hi - p.range.lo <= options.extendMaxRange);
    for (const p of phrases) if (!growing.includes(p)) p.growing = false;
    if (growing.length === 0) break;
    await index.load(index.superblocksFor(growing.map((p) => p.tokens[p.tokens.length - 1]!)));
    for (const p of growing) {
      const range = p.range!;
      const next = index.nextTokens(range);
      let best = -1;
      for (let j = 0; j < next.tokens.length; j++) {
        const continues = tokenizer.isContinuation(next.tokens[j]!);
        if (continues ? step === 0 : p.words === options.extendSteps) continue;
        if (best < 0 || next.counts[j]! > next.counts[best]!) best = j;
      }
      if (best < 0 || next.counts[best]! <= options.extendShare * p.base) {
        p.growing = false;
        continue;
      }
      if (!tokenizer.isContinuation(next.tokens[best]!)) p.words++;
      p.tokens.push(next.tokens[best]!);
      p.range = index.extend(range, next.tokens[best]!);
      p.base = p.range!.hi - p.range!.lo;
    }
  }
  const head = complete.length > 0 ? `${complete.join(" ")} ` : "";
  return {
    phrases: phrases.map((p) => ({ text: head + tokenizer.decode(p.tokens), count: p.count, share: total > 0 ? p.count / total : 0 })),
    candidates: looked,
  };
}

/**
 * Candidates that cover the partial word: those that already do, and those shorter than it
 * extended by compatible continuation pieces (a subword tokenizer's "cord" + "##less" for
 * "cordl"), breadth first, at most `continueSteps` pieces and `enumerateMax` ranges.
 */
async function continueWords(index: FmIndex, tokenizer: WordVocabulary & Tokenizer, candidates: Candidate[], partial: string, options: TitleOptions): Promise<Candidate[]> {
  const done = candidates.filter((c) => c.text.startsWith(partial));
  let open = candidates.filter((c) => !c.text.startsWith(partial));
  for (let step = 0; step < options.continueSteps && open.length > 0; step++) {
    await index.load(index.superblocksFor(open.map((c) => c.tokens[c.tokens.length - 1]!)));
    const next: Candidate[] = [];
    for (const c of open) {
      if (c.range.hi - c.range.lo > options.enumerateMax) continue; // too many followers to enumerate
      const followers = index.nextTokens(c.range);
      for (const id of followers.tokens) {
        if (!tokenizer.isContinuation(id)) continue;
        const text = c.text + tokenizer.decode([id]);
        if (!compatible(text, partial)) continue;
        const range = index.extend(c.range, id)!;
        const grown = { tokens: [...c.tokens, id], text, range, count: range.hi - range.lo };
        (text.startsWith(partial) ? done : next).push(grown);
      }
    }
    open = next;
  }
  return done;
}

/**
 * Whole words from candidates that cover the partial word: a subword candidate ("cord") stands for
 * itself where no continuation piece follows it, and for each longer word its continuations make
 * ("cord" + "##less"), each counted apart. At most `continueSteps` more pieces per word. With one
 * token per word (WordTokenizer) nothing follows as a continuation and candidates stay as they are.
 */
async function finishWords(index: FmIndex, tokenizer: WordVocabulary & Tokenizer, candidates: Candidate[], options: TitleOptions): Promise<Candidate[]> {
  const words: Candidate[] = [];
  let open = candidates;
  for (let step = 0; open.length > 0; step++) {
    const next: Candidate[] = [];
    const enumerable = step < options.continueSteps ? open.filter((c) => c.range.hi - c.range.lo <= options.enumerateMax) : [];
    if (enumerable.length > 0) await index.load(index.superblocksFor(enumerable.map((c) => c.tokens[c.tokens.length - 1]!)));
    for (const c of open) {
      if (!enumerable.includes(c)) {
        words.push(c); // not enumerated: stands for all its words
        continue;
      }
      const followers = index.nextTokens(c.range);
      let continued = 0;
      for (let j = 0; j < followers.tokens.length; j++) {
        const id = followers.tokens[j]!;
        if (!tokenizer.isContinuation(id)) continue;
        continued += followers.counts[j]!;
        const range = index.extend(c.range, id)!;
        next.push({ tokens: [...c.tokens, id], text: c.text + tokenizer.decode([id]), range, count: range.hi - range.lo });
      }
      if (c.count - continued > 0) words.push({ ...c, count: c.count - continued });
    }
    open = next;
  }
  return words;
}
