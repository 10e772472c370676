/** Renders an EvalReport: aligned text tables for terminals, markdown tables for the README. */
import { BUCKETS, type Bucket } from "./buckets.ts";
import type { BucketReport, EvalReport } from "./harness.ts";

const COLUMNS = ["n", "recall@10", "recall@100", "mrr@10", "ndcg@10", "latency_ms_p50"] as const;

/** Buckets grouped by family (the part before ":"), one table each: all, len, overlap, oov. */
function families(): Bucket[][] {
  const groups = new Map<string, Bucket[]>();
  for (const b of BUCKETS) {
    const family = b.split(":")[0]!;
    groups.set(family, [...(groups.get(family) ?? []), b]);
  }
  return [...groups.values()];
}

/** One table per family: header row, then a row per system and bucket present in the report. */
function tables(report: EvalReport): string[][][] {
  const hasServer = Object.values(report.systems).some((s) => Object.values(s).some((b) => b?.server_ms_p50 !== undefined));
  const columns: (keyof BucketReport)[] = hasServer ? [...COLUMNS, "server_ms_p50"] : [...COLUMNS];
  const out: string[][][] = [];
  for (const family of families()) {
    const rows: string[][] = [];
    for (const [system, buckets] of Object.entries(report.systems)) {
      for (const bucket of family) {
        const r = buckets[bucket];
        if (r) rows.push([system, bucket, ...columns.map((c) => cell(c, r[c]))]);
      }
    }
    if (rows.length > 0) out.push([["system", "bucket", ...columns], ...rows]);
  }
  return out;
}

/** Fixed decimals so that columns line up: counts as integers, ms to 0.01, metrics to 4 places. */
function cell(column: keyof BucketReport, value: number | undefined): string {
  if (value === undefined) return "";
  if (column === "n") return String(value);
  return value.toFixed(column.endsWith("_ms_p50") ? 2 : 4);
}

function summary(report: EvalReport): string {
  const q = report.queries;
  return `split ${q.split}: ${q.evaluated} queries evaluated; ${q.excluded_no_relevant} queries of the split excluded (no relevant product)`;
}

export function textReport(report: EvalReport): string {
  const blocks = tables(report).map((table) => {
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    const line = (row: string[]) => row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
    return [line(table[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...table.slice(1).map(line)].join("\n");
  });
  return [summary(report), ...blocks].join("\n\n") + "\n";
}

export function markdownReport(report: EvalReport): string {
  const blocks = tables(report).map((table) => {
    const line = (row: string[]) => `| ${row.join(" | ")} |`;
    const align = table[0]!.map((_, c) => (c < 2 ? "---" : "---:"));
    return [line(table[0]!), line(align), ...table.slice(1).map(line)].join("\n");
  });
  return [summary(report), ...blocks].join("\n\n") + "\n";
}
