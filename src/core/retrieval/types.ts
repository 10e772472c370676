/** What every retrieval path returns, whatever its strategy. */

/** A stretch of a title that a query span matched, in title token positions (for highlighting). */
export interface MatchedSpan {
  /** The span as normalized text, e.g. "door knob". */
  readonly text: string;
  /** Offset of its first token in the title's token sequence. */
  readonly start: number;
  /** Number of tokens. */
  readonly length: number;
}

/** A character range of the title to highlight, [start, end) in UTF-16 units. */
export interface Highlight {
  readonly start: number;
  readonly end: number;
}

export interface SearchHit {
  readonly id: string;
  readonly title: string;
  readonly score: number;
  readonly spans: readonly MatchedSpan[];
  /** The matched spans as merged character ranges of `title`. */
  readonly highlights: readonly Highlight[];
  readonly fields?: Readonly<Record<string, string>>;
}

/** Wall time per phase, in milliseconds, for Server-Timing and benchmarks. */
export type PhaseTimings = Record<string, number>;

/** A query word that occurs in no title, and the catalog word searched in its place. */
export interface Correction {
  readonly from: string;
  readonly to: string;
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  readonly timings: PhaseTimings;
  /** Misspelled query words that were also searched as their correction (typo tolerance). */
  readonly corrections?: readonly Correction[];
}

/** Anything that answers a query with a ranked list: the engine's strategies, baselines, a remote Worker. */
export interface Retriever {
  readonly name: string;
  search(query: string, k: number): Promise<SearchResult>;
}
