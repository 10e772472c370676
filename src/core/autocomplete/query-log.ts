/**
 * Query logs: what shoppers typed and how often. A log file is either TSV `query<TAB>count` or
 * one query per line (count 1 each); `#` lines and blank lines are skipped, and a first line
 * `query<TAB>count` is taken as a header. Malformed lines fail the parse with file:line and the
 * reason, like catalog ingestion. Runtime-agnostic: the caller reads the file.
 */
import { normalizeText } from "../text/normalize.ts";
import { type FileProblem, FileProblemsError } from "../text/file-problems.ts";

export interface QueryCount {
  readonly text: string;
  readonly count: number;
}

/** Queries longer than this (normalized) are not autocomplete material; the API caps q at the same length. */
export const MAX_LOGGED_QUERY_CHARS = 256;
/** Counts are kept in 32 bits; larger ones are almost certainly a broken export. */
const MAX_COUNT = 1_000_000_000;

export type QueryLogProblem = FileProblem;

export class QueryLogError extends FileProblemsError {}

/** Parses a query log; the same query on several lines (after normalization) adds up. */
export function parseQueryLog(text: string, file = "<queries>"): QueryCount[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split("\n");
  const problems: QueryLogProblem[] = [];
  const counts = new Map<string, number>();
  let seenContent = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/u, "");
    const line = i + 1;
    if (raw.trim() === "" || raw.startsWith("#")) continue;
    const cells = raw.split("\t");
    if (!seenContent && cells.length === 2 && cells[0]!.trim().toLowerCase() === "query" && cells[1]!.trim().toLowerCase() === "count") {
      seenContent = true;
      continue; // header
    }
    seenContent = true;
    if (cells.length > 2) {
      problems.push({ line, reason: `expected "query<TAB>count" or a query alone, found ${cells.length} columns` });
      continue;
    }
    let count = 1;
    if (cells.length === 2) {
      const c = cells[1]!.trim();
      if (!/^\d{1,10}$/u.test(c) || Number(c) < 1 || Number(c) > MAX_COUNT) {
        problems.push({ line, reason: `count must be a whole number from 1 to ${MAX_COUNT}, found ${JSON.stringify(c)}` });
        continue;
      }
      count = Number(c);
    }
    const query = normalizeText(cells[0]!);
    if (query === "") {
      problems.push({ line, reason: "empty query" });
      continue;
    }
    if (query.length > MAX_LOGGED_QUERY_CHARS) {
      problems.push({ line, reason: `query longer than ${MAX_LOGGED_QUERY_CHARS} characters` });
      continue;
    }
    counts.set(query, Math.min(MAX_COUNT, (counts.get(query) ?? 0) + count));
  }
  if (problems.length > 0) throw new QueryLogError(file, problems);
  return [...counts].map(([q, count]) => ({ text: q, count }));
}
