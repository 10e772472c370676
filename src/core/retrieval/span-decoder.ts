/**
 * FM-index-constrained beam search: the span model writes spans separated by [SEP] and ended by
 * [EOS], and may only write tokens that keep the current span a substring of some title. Inside a
 * span the allowed tokens are the index's next tokens of the span so far; a span starts with any
 * word-initial token of the catalog; [SEP] and [EOS] only follow a non-empty span. Scores are
 * log-probabilities renormalized over the allowed tokens (the model scores nothing else).
 *
 * With `cooccur`, a hypothesis must also be able to retrieve something: each span it closes must
 * share a title with the spans before it. A span too frequent to locate within `maxCooccurDocs`
 * occurrences is taken to co-occur with anything (the check stays bounded, and such a span
 * constrains little anyway).
 */
import type { FmIndex, SpanRange } from "../fm/fm-index.ts";
import type { EncodedQuery, SpanModelSession } from "../model/span-session.ts";
import { BOS, EOS, SEP } from "../tokenizer/wordpiece.ts";

export interface DecodeOptions {
  readonly beamSize: number;
  readonly maxSpans: number;
  readonly maxSpanTokens: number;
  readonly maxSteps: number;
  /** Require the spans of a hypothesis to occur together in at least one title. */
  readonly cooccur: boolean;
  /** Occurrences located per closed span for the co-occurrence check. */
  readonly maxCooccurDocs: number;
}

type Limited = Exclude<keyof DecodeOptions, "cooccur">;

export const DEFAULT_DECODE_OPTIONS: DecodeOptions = { beamSize: 5, maxSpans: 4, maxSpanTokens: 6, maxSteps: 24, cooccur: false, maxCooccurDocs: 256 };
const LIMITS: Record<Limited, number> = { beamSize: 16, maxSpans: 8, maxSpanTokens: 12, maxSteps: 64, maxCooccurDocs: 4096 };

export interface Hypothesis {
  /** Token ids of each generated span. */
  readonly spans: number[][];
  readonly logProb: number;
}

interface Beam {
  readonly spans: number[][];
  readonly span: number[];
  readonly range: SpanRange | null;
  readonly logProb: number;
  /** With `cooccur`: the titles that hold every closed span so far (null: not constrained yet). */
  readonly docs: ReadonlySet<number> | null;
}

export class SpanDecoder {
  readonly options: DecodeOptions;

  constructor(
    private readonly session: SpanModelSession,
    private readonly index: FmIndex,
    /** Word-initial tokens that occur in the index: where a span may start. */
    readonly spanStarts: readonly number[],
    options: Partial<DecodeOptions> = {},
  ) {
    this.options = { ...DEFAULT_DECODE_OPTIONS, ...options };
    for (const key of Object.keys(LIMITS) as Limited[]) {
      const v = this.options[key];
      if (!Number.isInteger(v) || v < 1 || v > LIMITS[key]) throw new RangeError(`${key} must be an integer in [1, ${LIMITS[key]}]`);
    }
  }

  private allowed(beam: Beam): readonly number[] {
    if (beam.span.length === 0) return this.spanStarts; // shared, never modified
    const closers = beam.spans.length + 1 < this.options.maxSpans ? [SEP, EOS] : [EOS];
    if (beam.span.length >= this.options.maxSpanTokens) return closers;
    return [...this.index.nextTokens(beam.range!).tokens, ...closers];
  }

  /** `lap`, if given, is called with "encode" once the query is encoded (for per-phase timings). */
  async decode(query: readonly number[], lap?: (phase: string) => void): Promise<Hypothesis[]> {
    if (query.length === 0) return [];
    const { beamSize, maxSteps } = this.options;
    const encoded: EncodedQuery = await this.session.encode(query);
    lap?.("encode");
    let beams: Beam[] = [{ spans: [], span: [], range: null, logProb: 0, docs: null }];
    let cache = this.session.emptyCache(1);
    let last = [BOS];
    const finished: Hypothesis[] = [];
    for (let step = 0; step < maxSteps && beams.length > 0 && finished.length < beamSize; step++) {
      const candidates = beams.map((b) => this.allowed(b));
      const out = await this.session.step(encoded, last, cache, candidates);
      const expansions: { parent: number; token: number; logProb: number }[] = [];
      beams.forEach((beam, i) => {
        const scores = out.scores[i]!;
        const norm = logSumExp(scores);
        for (const j of topIndices(scores, beamSize)) {
          expansions.push({ parent: i, token: candidates[i]![j]!, logProb: beam.logProb + scores[j]! - norm });
        }
      });
      expansions.sort((a, b) => b.logProb - a.logProb);
      const next: Beam[] = [];
      const parents: number[] = [];
      for (const e of expansions) {
        if (next.length >= beamSize) break;
        const beam = beams[e.parent]!;
        if (e.token === EOS || e.token === SEP) {
          const docs = await this.closedSpanDocs(beam);
          if (docs?.size === 0) continue; // the spans share no title: this hypothesis retrieves nothing
          if (e.token === EOS) {
            finished.push({ spans: [...beam.spans, beam.span], logProb: e.logProb });
            continue;
          }
          next.push({ spans: [...beam.spans, beam.span], span: [], range: null, logProb: e.logProb, docs });
        } else {
          const range = beam.range ? this.index.extend(beam.range, e.token) : this.index.tokenRange(e.token);
          if (!range) continue; // cannot happen for allowed tokens; kept as a guard
          next.push({ spans: beam.spans, span: [...beam.span, e.token], range, logProb: e.logProb, docs: beam.docs });
        }
        parents.push(e.parent);
      }
      beams = next;
      if (beams.length === 0) break;
      cache = this.session.reorder(out.cache, parents);
      last = beams.map(lastToken);
      await this.index.load(this.index.superblocksFor(beams.flatMap((b) => b.span.slice(-1))));
    }
    return finished.sort((a, b) => b.logProb - a.logProb).slice(0, beamSize);
  }

  /** With `cooccur`, the titles holding the beam's closed spans and its current one; else null. */
  private async closedSpanDocs(beam: Beam): Promise<ReadonlySet<number> | null> {
    const { cooccur, maxCooccurDocs } = this.options;
    if (!cooccur || !beam.range || beam.range.hi - beam.range.lo > maxCooccurDocs) return beam.docs;
    const docs = new Set((await this.index.locate(beam.range, maxCooccurDocs)).map((o) => o.doc));
    return beam.docs ? new Set([...beam.docs].filter((d) => docs.has(d))) : docs;
  }
}

/** The token a beam just wrote: its span's last token, or [SEP] right after closing a span. */
function lastToken(beam: Beam): number {
  return beam.span.length > 0 ? beam.span[beam.span.length - 1]! : SEP;
}

function logSumExp(xs: Float32Array): number {
  let max = -Infinity;
  for (const x of xs) if (x > max) max = x;
  let sum = 0;
  for (const x of xs) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

/** Indices of the k largest values (k small), by a bounded selection. */
function topIndices(xs: Float32Array, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    if (top.length < k) {
      top.push(i);
      top.sort((a, b) => xs[b]! - xs[a]!);
    } else if (xs[i]! > xs[top[k - 1]!]!) {
      top[k - 1] = i;
      top.sort((a, b) => xs[b]! - xs[a]!);
    }
  }
  return top;
}
