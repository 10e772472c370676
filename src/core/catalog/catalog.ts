/**
 * Catalog ingestion: products from TSV, CSV or JSONL.
 *
 * A malformed file is an error that names the file, the line and the reason. Duplicate ids and
 * empty titles are problems that are always reported: by default they fail the load, and with
 * `skipInvalid` the offending rows are left out and listed, never merged or dropped silently.
 */
import { cleanDisplayText } from "../text/normalize.ts";
import type { Product } from "./product.ts";
import { type FileProblem, FileProblemsError } from "../text/file-problems.ts";

export type CatalogFormat = "tsv" | "csv" | "jsonl";

export type CatalogProblem = FileProblem;

export class CatalogError extends FileProblemsError {}

export interface ParseOptions {
  /** Name used in messages (a path, or "<stdin>"). */
  readonly file?: string;
  /** Format; by default guessed from the file name, then from the content. */
  readonly format?: CatalogFormat;
  /** Leave out rows with a duplicate id or an empty title instead of failing; they are still reported. */
  readonly skipInvalid?: boolean;
}

export interface ParsedCatalog {
  readonly products: Product[];
  /** Rows that were left out (only with `skipInvalid`). */
  readonly skipped: readonly CatalogProblem[];
}

const ID_COLUMNS = ["id", "product_id"];
const TITLE_COLUMNS = ["title", "product_title", "name"];

export function detectFormat(file: string, text: string): CatalogFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".tsv") || lower.endsWith(".tab")) return "tsv";
  if (lower.endsWith(".csv")) return "csv";
  const first = text.trimStart()[0];
  if (first === "{") return "jsonl";
  const header = text.slice(0, text.indexOf("\n") >>> 0);
  return header.includes("\t") ? "tsv" : "csv";
}

export function parseCatalog(text: string, options: ParseOptions = {}): ParsedCatalog {
  const file = options.file ?? "<catalog>";
  const format = options.format ?? detectFormat(file, text);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = format === "jsonl" ? jsonlRows(text, file) : delimitedRows(text, file, format === "tsv" ? "\t" : ",");

  const products: Product[] = [];
  const errors: CatalogProblem[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const id = row.id.trim();
    const title = cleanDisplayText(row.title);
    if (id === "") {
      errors.push({ line: row.line, reason: "empty id" });
      continue;
    }
    if (title === "") {
      errors.push({ line: row.line, reason: `empty title for id ${JSON.stringify(id)}` });
      continue;
    }
    const firstLine = seen.get(id);
    if (firstLine !== undefined) {
      errors.push({ line: row.line, reason: `duplicate id ${JSON.stringify(id)} (first on line ${firstLine})` });
      continue;
    }
    seen.set(id, row.line);
    products.push(row.fields ? { id, title, fields: row.fields } : { id, title });
  }
  if (errors.length > 0 && !options.skipInvalid) throw new CatalogError(file, errors);
  if (products.length === 0) throw new CatalogError(file, [{ line: 1, reason: "no products" }]);
  return { products, skipped: errors };
}

interface RawRow {
  readonly line: number;
  readonly id: string;
  readonly title: string;
  readonly fields?: Record<string, string>;
}

function jsonlRows(text: string, file: string): RawRow[] {
  const rows: RawRow[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const at = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new CatalogError(file, [{ line: at, reason: `invalid JSON: ${(e as Error).message}` }]);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new CatalogError(file, [{ line: at, reason: "expected a JSON object" }]);
    }
    const record = value as Record<string, unknown>;
    const idKey = ID_COLUMNS.find((k) => k in record);
    const titleKey = TITLE_COLUMNS.find((k) => k in record);
    if (!idKey) throw new CatalogError(file, [{ line: at, reason: `missing field "id"` }]);
    if (!titleKey) throw new CatalogError(file, [{ line: at, reason: `missing field "title"` }]);
    const id = record[idKey];
    const title = record[titleKey];
    if (typeof id !== "string" && typeof id !== "number") {
      throw new CatalogError(file, [{ line: at, reason: `field "${idKey}" must be a string or number` }]);
    }
    if (typeof title !== "string") throw new CatalogError(file, [{ line: at, reason: `field "${titleKey}" must be a string` }]);
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(record)) {
      if (k === idKey || k === titleKey || v === null || v === undefined) continue;
      fields[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    rows.push(Object.keys(fields).length > 0 ? { line: at, id: String(id), title, fields } : { line: at, id: String(id), title });
  }
  return rows;
}

function delimitedRows(text: string, file: string, delimiter: string): RawRow[] {
  const records = delimiter === "\t" ? splitTsv(text) : splitCsv(text, file);
  const header = records[0];
  if (!header) throw new CatalogError(file, [{ line: 1, reason: "empty file" }]);
  const names = header.cells.map((c) => c.trim().toLowerCase());
  const idCol = names.findIndex((n) => ID_COLUMNS.includes(n));
  const titleCol = names.findIndex((n) => TITLE_COLUMNS.includes(n));
  if (idCol < 0 || titleCol < 0) {
    throw new CatalogError(file, [{ line: 1, reason: `header must name an "id" and a "title" column, found: ${names.join(", ")}` }]);
  }
  const rows: RawRow[] = [];
  for (const record of records.slice(1)) {
    if (record.cells.length === 1 && record.cells[0]!.trim() === "") continue;
    if (record.cells.length !== names.length) {
      throw new CatalogError(file, [
        { line: record.line, reason: `expected ${names.length} columns, found ${record.cells.length}` },
      ]);
    }
    let fields: Record<string, string> | undefined;
    for (let c = 0; c < names.length; c++) {
      if (c === idCol || c === titleCol) continue;
      (fields ??= {})[names[c]!] = record.cells[c]!;
    }
    const row = { line: record.line, id: record.cells[idCol]!, title: record.cells[titleCol]! };
    rows.push(fields ? { ...row, fields } : row);
  }
  return rows;
}

interface CellRecord {
  readonly line: number;
  readonly cells: string[];
}

function splitTsv(text: string): CellRecord[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l, i) => ({ line: i + 1, cells: l.replace(/\r$/u, "").split("\t") }));
}

/** RFC 4180: quoted fields may hold delimiters, doubled quotes and line breaks. */
function splitCsv(text: string, file: string): CellRecord[] {
  const records: CellRecord[] = [];
  let cells: string[] = [];
  let cell = "";
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (cell.trim() !== "") throw new CatalogError(file, [{ line, reason: "quote inside an unquoted field" }]);
      quoted = true;
      quoteLine = line;
      cell = "";
    } else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else if (ch === "\n") {
      cells.push(cell.replace(/\r$/u, ""));
      records.push({ line: recordLine, cells });
      cells = [];
      cell = "";
      line++;
      recordLine = line;
    } else cell += ch;
  }
  if (quoted) throw new CatalogError(file, [{ line: quoteLine, reason: "unterminated quoted field" }]);
  if (cell !== "" || cells.length > 0) {
    cells.push(cell.replace(/\r$/u, ""));
    records.push({ line: recordLine, cells });
  }
  return records;
}
