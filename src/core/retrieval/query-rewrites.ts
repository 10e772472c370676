/**
 * Rewrites of a query whose n-grams the lexical path searches besides the query's own:
 * - the query with its typos corrected (typos.ts), at full weight;
 * - variants, each at VARIANT_WEIGHT of its n-grams' weight, where the catalog has the new form as
 *   a word of its own (one piece):
 *   - a word made singular or plural. The index matches pieces, so "knob" is found inside
 *     "knob ##s" but not inside "knobs" when "knobs" is a piece, as frequent plurals are;
 *   - two adjacent words joined ("sheet rock" → "sheetrock"), or one word split in two
 *     ("doorknob" → "door knob").
 * VARIANT_WEIGHT was chosen on 800 train queries: plurals alone at 0.25, 0.5 and 1 gave Recall@10
 * 0.4506, 0.4545 and 0.4468 (without them 0.4426); adding compounds at 0.25, 0.5 and 1, 0.4577,
 * 0.4610 and 0.4499.
 */
import type { Engine } from "../engine.ts";
import type { FmIndex } from "../fm/fm-index.ts";
import { WordPieceTokenizer } from "../tokenizer/wordpiece.ts";
import { spanStarts } from "./span-starts.ts";
import { wordsWithin } from "./tokens.ts";
import { TypoCorrector } from "./typos.ts";
import type { Correction } from "./types.ts";

export const VARIANT_WEIGHT = 0.5;
/** Split points tried: both halves at least this long. */
const MIN_PART = 3;

export interface QueryRewrite {
  readonly ids: number[];
  /** Multiplies the weights of the rewrite's n-grams. */
  readonly weight: number;
}

/** Which rewrites are searched besides the query. */
export interface RewriteOptions {
  /** The query with misspelled words corrected (typos.ts). */
  readonly typoTolerance: boolean;
  /** Weight of the n-grams of the query's variants: plurals, compounds (0: off). */
  readonly variantWeight: number;
}

/**
 * The rewriter of an engine's queries, where its index is WordPiece (a word index has no pieces to
 * find "knob" inside "knobs") and a rewrite is asked for; `starts`: spanStarts, when known.
 */
export function queryRewriter(engine: Engine, options: RewriteOptions, starts?: readonly number[]): QueryRewriter | undefined {
  const { index, tokenizer } = engine;
  if (!(options.typoTolerance || options.variantWeight > 0) || !(tokenizer instanceof WordPieceTokenizer)) return undefined;
  return new QueryRewriter(index, tokenizer, starts ?? spanStarts(index, tokenizer), options);
}

export class QueryRewriter {
  private readonly typos: TypoCorrector | undefined;

  constructor(
    private readonly index: FmIndex,
    private readonly tokenizer: WordPieceTokenizer,
    /** Word-initial pieces that occur in the catalog (spanStarts). */
    starts: readonly number[],
    private readonly options: RewriteOptions,
  ) {
    if (options.typoTolerance) this.typos = new TypoCorrector(index, tokenizer, starts);
  }

  /**
   * Rewrites of the query's first words (at most `maxTokens` ids as written) and the typo
   * corrections among them. Counts the words' spans, so the superblocks of the query's first
   * `maxTokens` tokens must be loaded.
   */
  rewrite(query: string, maxTokens: number): { rewrites: QueryRewrite[]; corrections: Correction[] } {
    const corrections: Correction[] = [];
    const words = wordsWithin(this.tokenizer, query, maxTokens).map((word) => {
      const fix = this.typos?.correction(word);
      if (fix) corrections.push({ from: word.text, to: fix.text });
      return fix ? { text: fix.text, ids: [fix.id] } : word;
    });
    const rewrites: QueryRewrite[] = [];
    if (corrections.length > 0) rewrites.push({ ids: words.flatMap((w) => w.ids), weight: 1 });
    const weight = this.options.variantWeight;
    if (weight > 0) {
      // words[i .. i + span) replaced by `ids`
      const replace = (i: number, span: number, ids: number[]) =>
        rewrites.push({ ids: [...words.slice(0, i), { ids }, ...words.slice(i + span)].flatMap((w) => w.ids), weight });
      words.forEach((word, i) => {
        for (const form of inflections(word.text)) {
          const id = this.catalogWord(form);
          if (id !== undefined) replace(i, 1, [id]);
        }
        const next = words[i + 1];
        if (next && !/\d/u.test(word.text + next.text)) {
          const joined = this.catalogWord(word.text + next.text);
          if (joined !== undefined) replace(i, 2, [joined]);
        }
        if (/\d/u.test(word.text)) return;
        for (let cut = MIN_PART; cut <= word.text.length - MIN_PART; cut++) {
          const head = this.catalogWord(word.text.slice(0, cut));
          const tail = head === undefined ? undefined : this.catalogWord(word.text.slice(cut));
          if (tail !== undefined) replace(i, 1, [head!, tail]);
        }
      });
    }
    return { rewrites, corrections };
  }

  /** The id of a form that is a one-piece word of the catalog. */
  private catalogWord(form: string): number | undefined {
    const ids = this.tokenizer.encode(form);
    const id = ids.length === 1 ? ids[0]! : this.tokenizer.unknownId;
    return id !== this.tokenizer.unknownId && this.index.frequency(id) > 0 ? id : undefined;
  }
}

/** English singular and plural forms of a word ("knob" ↔ "knobs", "box" → "boxes", "battery" ↔ "batteries"). */
export function inflections(word: string): string[] {
  if (word.length < 3 || /\d/u.test(word)) return [];
  const forms = [`${word}s`, `${word}es`];
  if (word.endsWith("y")) forms.push(`${word.slice(0, -1)}ies`);
  if (word.endsWith("ies")) forms.push(`${word.slice(0, -3)}y`);
  if (word.endsWith("es")) forms.push(word.slice(0, -2));
  if (word.endsWith("s") && !word.endsWith("ss")) forms.push(word.slice(0, -1));
  return forms.filter((f) => f.length >= 3);
}
