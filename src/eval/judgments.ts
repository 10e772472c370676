/**
 * Relevance judgments: a TSV with a header naming `query`, `product_id` and `relevance`.
 * Malformed rows fail the load with the file, the line and the reason, like catalog ingestion.
 */
import { readFile } from "node:fs/promises";
import { normalizeText } from "../core/text/normalize.ts";
import type { Grades } from "./metrics.ts";
import { type FileProblem, FileProblemsError } from "../core/text/file-problems.ts";

export interface JudgedQuery {
  /** The query as the shopper typed it (what is sent to a system). */
  readonly query: string;
  /** normalizeText(query): the identity of a query in splits and reports. */
  readonly key: string;
  readonly grades: Grades;
}

export type JudgmentsProblem = FileProblem;

export class JudgmentsError extends FileProblemsError {}

const COLUMNS = ["query", "product_id", "relevance"] as const;

/** Parses judgments and groups them by normalized query, in order of first appearance. */
export function parseJudgments(text: string, file = "<judgments>"): JudgedQuery[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split("\n").map((l) => l.replace(/\r$/u, ""));
  const header = lines[0]!.split("\t").map((c) => c.trim().toLowerCase());
  const col = COLUMNS.map((name) => header.indexOf(name));
  if (col.some((c) => c < 0)) {
    throw new JudgmentsError(file, [{ line: 1, reason: `header must name ${COLUMNS.join(", ")}; found: ${header.join(", ")}` }]);
  }
  const [qCol, idCol, relCol] = col as [number, number, number];

  const problems: JudgmentsProblem[] = [];
  const byKey = new Map<string, { query: string; grades: Map<string, number>; lines: Map<string, number> }>();
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    if (lines[i]!.trim() === "") continue;
    const cells = lines[i]!.split("\t");
    if (cells.length !== header.length) {
      problems.push({ line, reason: `expected ${header.length} columns, found ${cells.length}` });
      continue;
    }
    const query = cells[qCol]!.trim();
    const id = cells[idCol]!.trim();
    const relText = cells[relCol]!.trim();
    const relevance = Number(relText);
    const key = normalizeText(query);
    if (key === "") problems.push({ line, reason: "empty query" });
    else if (id === "") problems.push({ line, reason: "empty product_id" });
    else if (relText === "" || !Number.isFinite(relevance) || relevance < 1 || relevance > 3) {
      problems.push({ line, reason: `relevance must be a number from 1 to 3, found ${JSON.stringify(relText)}` });
    } else {
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { query, grades: new Map(), lines: new Map() }));
      const first = entry.lines.get(id);
      if (first !== undefined) {
        problems.push({ line, reason: `duplicate judgment for query ${JSON.stringify(key)} and product ${id} (first on line ${first})` });
      } else {
        entry.grades.set(id, relevance);
        entry.lines.set(id, line);
      }
    }
  }
  if (problems.length > 0) throw new JudgmentsError(file, problems);
  if (byKey.size === 0) throw new JudgmentsError(file, [{ line: 1, reason: "no judgments" }]);
  return [...byKey].map(([key, { query, grades }]) => ({ query, key, grades }));
}

export async function loadJudgments(path: string): Promise<JudgedQuery[]> {
  return parseJudgments(await readFile(path, "utf8"), path);
}
