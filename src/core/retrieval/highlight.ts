import type { TokenPiece } from "../tokenizer/tokenizer.ts";
import type { Highlight, MatchedSpan } from "./types.ts";

/** Character ranges of the title covered by the matched spans, merged and in order. */
export function highlightsOf(spans: readonly MatchedSpan[], pieces: readonly TokenPiece[]): Highlight[] {
  const ranges = spans
    .filter((s) => s.start >= 0 && s.start + s.length <= pieces.length && s.length > 0)
    .map((s) => ({ start: pieces[s.start]!.start, end: pieces[s.start + s.length - 1]!.end }))
    .sort((a, b) => a.start - b.start);
  const merged: Highlight[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    else merged.push(r);
  }
  return merged;
}
