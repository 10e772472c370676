/** Small helpers shared by the benchmarks: data location, percentiles, plain-text tables. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

/** The Home Depot data folder, or undefined where it is absent. */
export function homedepotDir(): string | undefined {
  const dir = resolve(process.env.EDGESPAN_HOMEDEPOT ?? "../shared/datasets/homedepot");
  return existsSync(resolve(dir, "products.tsv")) ? dir : undefined;
}

export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
