/**
 * Fusing ranked lists into one, two ways:
 * - reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): a product's fused score is
 *   Σ weight / (rankConstant + rank) over the lists it appears in, ranks from 1. It needs no score
 *   calibration between lists: fm-ngram's span scores and the origin's beam log-probabilities live
 *   on unrelated scales;
 * - score fusion: Σ weight × the product's score min-max normalized within each list, for lists
 *   whose scores do mean something (the lexical path's, a dense tower's cosines). It keeps how far
 *   apart two hits are, which ranks throw away.
 *
 * The first list's copy of a hit is kept (pass the lexical list first: its spans and highlights
 * survive); a hit only another list has keeps that list's title and its empty spans. A `sid` from
 * any list is carried over.
 */
import type { SearchHit } from "./types.ts";

/** The constant of the original paper; it damps the head of each list. */
export const RRF_RANK_CONSTANT = 60;

/** A hit that may carry its semantic ID (hits from the origin). */
export type FusableHit = SearchHit & { readonly sid?: readonly number[] };

export interface RankedList<H extends FusableHit = FusableHit> {
  readonly hits: readonly H[];
  /** Weight of this list's credits (default 1). */
  readonly weight?: number;
}

export interface FusionOptions {
  /** Results kept after fusion. */
  readonly limit: number;
  readonly rankConstant?: number;
}

/**
 * Fuses ranked lists into one of at most `limit` hits, ordered by fused score; ties keep the order
 * of first appearance (best rank first, earlier list first at the same rank). A product listed
 * twice in one list counts once, at its better rank.
 */
export function reciprocalRankFusion(lists: readonly RankedList[], options: FusionOptions): FusableHit[] {
  const c = options.rankConstant ?? RRF_RANK_CONSTANT;
  if (!(c >= 0)) throw new RangeError(`rankConstant must be >= 0, got ${c}`);
  return fuse(lists, options.limit, (list) => (_hit, rank) => (list.weight ?? 1) / (c + rank + 1));
}

/**
 * Fuses lists by their scores, each min-max normalized within its list (its best hit 1, its worst
 * 0; all 1 when they are equal), times the list's weight. Order and ties as reciprocalRankFusion.
 */
export function scoreFusion(lists: readonly RankedList[], options: Pick<FusionOptions, "limit">): FusableHit[] {
  return fuse(lists, options.limit, (list) => {
    const scores = list.hits.map((h) => h.score);
    const lo = Math.min(...scores);
    const span = Math.max(...scores) - lo;
    const weight = list.weight ?? 1;
    return (hit) => weight * (span > 0 ? (hit.score - lo) / span : 1);
  });
}

/** The merge both share; `creditOf(list)` gives what a hit at a rank of that list adds. */
function fuse(lists: readonly RankedList[], limit: number, creditOf: (list: RankedList) => (hit: FusableHit, rank: number) => number): FusableHit[] {
  const credits = lists.map(creditOf);
  // `from`: the list whose copy of the hit is kept (the earliest list that has it).
  const fused = new Map<string, { hit: FusableHit; from: number; score: number; sid?: readonly number[] }>();
  const counted = lists.map(() => new Set<string>());
  const depth = Math.max(0, ...lists.map((l) => l.hits.length));
  // Rank by rank across lists, so that the map's insertion order is the tie-break described above.
  for (let rank = 0; rank < depth; rank++) {
    lists.forEach((list, i) => {
      const hit = list.hits[rank];
      if (!hit || counted[i]!.has(hit.id)) return;
      counted[i]!.add(hit.id);
      const credit = credits[i]!(hit, rank);
      const entry = fused.get(hit.id);
      if (entry) {
        entry.score += credit;
        if (i < entry.from) Object.assign(entry, { hit, from: i });
        if (entry.sid === undefined && hit.sid) entry.sid = hit.sid;
      } else {
        fused.set(hit.id, { hit, from: i, score: credit, ...(hit.sid && { sid: hit.sid }) });
      }
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score) // stable: ties stay in insertion order
    .slice(0, Math.max(0, limit))
    .map(({ hit, score, sid }) => {
      const { sid: _dropped, ...rest } = hit;
      return sid ? { ...rest, score, sid } : { ...rest, score };
    });
}
