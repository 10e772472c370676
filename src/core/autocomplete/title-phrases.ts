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
 *      tokens exactly; larger ones test the `prefixCandidates` most frequent vocabulary words
 *      with that prefix (WordTokenizer.idsWithPrefix) by extending the range with each, so the
 *      work is bounded either way;
 *   3. each of the best k candidates is extended greedily by up to `extendSteps` more tokens, each
 *      time by the most frequent next token, and only while that token follows in more than
 *      `extendShare` of the phrase's occurrences ("door" → "door knob", but "matte black" stays:
 *      its continuations are spread over several words).
 * Without complete words the partial word alone is completed, by catalog frequency.
 *
 * share = count(context + candidate) / Σ count over all matching candidates: the chance that a
 * title continuing the context with a word starting with the partial one continues with this one.
 */
import type { FmIndex, SpanRange } from "../fm/fm-index.ts";
import type { Tokenizer } from "../tokenizer/tokenizer.ts";
import type { ParsedPrefix } from "./prefix.ts";

/** Tokenizers that can list their words by prefix (WordTokenizer). */
export interface PrefixVocabulary {
  idsWithPrefix(prefix: string, limit: number): number[];
}

export function hasPrefixVocabulary(t: Tokenizer): t is Tokenizer & PrefixVocabulary {
  return typeof (t as Partial<PrefixVocabulary>).idsWithPrefix === "function";
}

export interface TitleOptions {
  /** Complete words used as context (the last ones). */
  readonly maxContext: number;
  /** Context ranges up to this many occurrences enumerate their next tokens exactly. */
  readonly enumerateMax: number;
  /** Vocabulary words tried against larger ranges. */
  readonly prefixCandidates: number;
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

export async function titlePhrases(
  index: FmIndex,
  tokenizer: Tokenizer & PrefixVocabulary,
  prefix: ParsedPrefix,
  k: number,
  options: TitleOptions = DEFAULT_TITLE_OPTIONS,
): Promise<TitleLookup> {
  const { complete, partial } = prefix;
  const word = (id: number): string => tokenizer.decode([id]);

  if (complete.length === 0) {
    if (partial === "") return NONE;
    const ids = tokenizer.idsWithPrefix(partial, k);
    const found = ids.map((id) => ({ id, count: index.frequency(id) })).filter((c) => c.count > 0);
    found.sort((a, b) => b.count - a.count || a.id - b.id);
    const total = found.reduce((s, c) => s + c.count, 0);
    return { phrases: found.map((c) => ({ text: word(c.id), count: c.count, share: c.count / total })), candidates: ids.length };
  }

  // 1. context: the longest suffix of the last complete words that occurs in some title
  let ids = complete.slice(-options.maxContext).map((w) => tokenizer.encode(w)[0] ?? tokenizer.unknownId);
  ids = ids.slice(ids.lastIndexOf(tokenizer.unknownId) + 1);
  if (ids.length === 0) return NONE;
  await index.load(index.superblocksFor(ids));
  let context: SpanRange | null = null;
  for (let start = 0; start < ids.length && !context; start++) context = index.find(ids.slice(start));
  if (!context) return NONE;

  // 2. candidates: tokens following the context whose word starts with the partial word
  let candidates: { id: number; count: number; range: SpanRange | null }[] = [];
  let looked: number;
  if (context.hi - context.lo <= options.enumerateMax) {
    const next = index.nextTokens(context);
    looked = next.tokens.length;
    for (let j = 0; j < next.tokens.length; j++) {
      if (word(next.tokens[j]!).startsWith(partial)) candidates.push({ id: next.tokens[j]!, count: next.counts[j]!, range: null });
    }
  } else {
    const tried = tokenizer.idsWithPrefix(partial, options.prefixCandidates);
    looked = tried.length;
    for (const id of tried) {
      const range = index.extend(context, id);
      if (range) candidates.push({ id, count: range.hi - range.lo, range });
    }
  }
  const total = candidates.reduce((s, c) => s + c.count, 0);
  candidates.sort((a, b) => b.count - a.count || a.id - b.id);
  candidates = candidates.slice(0, k);

  // 3. grow each phrase by its dominant continuation, one batched superblock load per step
  const phrases = candidates.map((c) => ({ tokens: [c.id], count: c.count, range: c.range ?? index.extend(context, c.id), growing: true }));
  for (let step = 0; step < options.extendSteps; step++) {
    const growing = phrases.filter((p) => p.growing && p.range !== null && p.range.hi - p.range.lo <= options.extendMaxRange);
    for (const p of phrases) if (!growing.includes(p)) p.growing = false;
    if (growing.length === 0) break;
    await index.load(index.superblocksFor(growing.map((p) => p.tokens[p.tokens.length - 1]!)));
    for (const p of growing) {
      const range = p.range!;
      const next = index.nextTokens(range);
      let best = -1;
      for (let j = 0; j < next.tokens.length; j++) if (best < 0 || next.counts[j]! > next.counts[best]!) best = j;
      if (best < 0 || next.counts[best]! <= options.extendShare * (range.hi - range.lo)) {
        p.growing = false;
        continue;
      }
      p.tokens.push(next.tokens[best]!);
      p.range = index.extend(range, next.tokens[best]!);
    }
  }
  const head = complete.join(" ");
  return {
    phrases: phrases.map((p) => ({ text: `${head} ${p.tokens.map(word).join(" ")}`, count: p.count, share: p.count / total })),
    candidates: looked,
  };
}
