/**
 * Build benchmark: time and peak memory of buildArtifacts (tokenizer, FM index, doc store, chunks,
 * manifest) on the Home Depot catalog and on a synthetic 1M-title catalog. Each build runs in its
 * own child process (bench/build-child.ts), whose process.resourceUsage().maxRSS is the peak RSS.
 */
import { spawn } from "node:child_process";
import type { BuildResult } from "./build-child.ts";
import { REPO_ROOT, homedepotProducts } from "./synthetic.ts";
import { table } from "./util.ts";

export interface BuildBenchOptions {
  /** Skip the synthetic 1M-title build. */
  readonly quick?: boolean;
  /** Titles of the synthetic catalog (default 1,000,000). */
  readonly syntheticTitles?: number;
}

/** Runs one build child; resolves with its result, or an error message. */
function runChild(args: string[]): Promise<BuildResult | { error: string }> {
  return new Promise((resolveResult) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/build-child.ts", ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code, signal) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (code === 0 && line) resolveResult(JSON.parse(line.slice(7)) as BuildResult);
      else resolveResult({ error: `build-child ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${err.trim().split("\n").slice(-3).join(" | ")}` });
    });
  });
}

const s = (x: number): string => x.toFixed(2);
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);
const bits = (bytes: number, tokens: number): string => ((bytes * 8) / tokens).toFixed(2);
const int = (n: number): string => n.toLocaleString("en-US");

function check(ok: boolean): string {
  return ok ? "ok" : "MISSED";
}

export async function runBuildBench(options: BuildBenchOptions = {}): Promise<void> {
  const n = options.syntheticTitles ?? 1_000_000;
  console.log("== Build: buildArtifacts (word tokenizer + FM index + doc store + chunks + manifest), one child process per catalog ==");
  const results: BuildResult[] = [];
  const hd = homedepotProducts();
  if ("missing" in hd) console.log(`SKIP Home Depot build: ${hd.missing}`);
  else {
    process.stdout.write("building Home Depot ... ");
    const r = await runChild(["homedepot"]);
    console.log("error" in r ? r.error : `${s(r.seconds.total)} s`);
    if (!("error" in r)) results.push(r);
  }
  if (options.quick) console.log(`SKIP synthetic ${int(n)}-title build (--quick)`);
  else {
    process.stdout.write(`building synthetic ${int(n)} titles (generation not timed) ... `);
    const r = await runChild(["synthetic", String(n), "1"]);
    console.log("error" in r ? r.error : `${s(r.seconds.total)} s`);
    if (!("error" in r)) results.push(r);
  }
  if (results.length === 0) return;

  const targetOf = (r: BuildResult, metric: "seconds" | "rss" | "bits"): string => {
    const hdCatalog = r.catalog === "Home Depot";
    if (metric === "seconds") return hdCatalog ? `< 10 s: ${check(r.seconds.total < 10)}` : r.titles >= 1_000_000 ? `< 180 s: ${check(r.seconds.total < 180)}` : "";
    if (metric === "rss") return hdCatalog ? "" : r.titles >= 1_000_000 ? `< 4096 MB: ${check(r.peakRssMB < 4096)}` : "";
    return `<= 20: ${check((r.bytes.index * 8) / r.tokens <= 20)}`;
  };

  const header = ["", ...results.map((r) => r.catalog)];
  const rows: string[][] = [];
  const row = (label: string, f: (r: BuildResult) => string): void => {
    rows.push([label, ...results.map(f)]);
  };
  row("titles", (r) => int(r.titles));
  row("tokens (title words indexed)", (r) => int(r.tokens));
  row("vocabulary (word ids)", (r) => int(r.vocab));
  row("catalog load / generation s (not in build)", (r) => s(r.inputSeconds));
  row("build s: tokenize (train + encode)", (r) => s(r.seconds.tokenize));
  row("build s: FM index (SA + BWT + superblocks)", (r) => s(r.seconds.index));
  row("build s: doc store", (r) => s(r.seconds.docs));
  row("build s: chunks + manifest", (r) => s(r.seconds.chunks));
  row("build s: total", (r) => s(r.seconds.total));
  row("  target", (r) => targetOf(r, "seconds"));
  row("RSS before build MB (catalog in memory)", (r) => r.rssBeforeBuildMB.toFixed(0));
  row("peak RSS MB (maxRSS, whole child)", (r) => r.peakRssMB.toFixed(0));
  row("  target", (r) => targetOf(r, "rss"));
  row("FM index MB", (r) => mb(r.bytes.index));
  row("bits/token: FM index alone", (r) => bits(r.bytes.index, r.tokens));
  row("  target", (r) => targetOf(r, "bits"));
  row("bits/token: index chunks + manifest", (r) => bits(r.bytes.indexChunks + r.bytes.manifest, r.tokens));
  row("index chunks (128 KiB each)", (r) => int(r.bytes.indexChunkCount));
  row("manifest bytes (JSON)", (r) => int(r.bytes.manifest));
  row("doc store MB (not in bits/token)", (r) => mb(r.bytes.docs));
  row("tokenizer MB (not in bits/token)", (r) => mb(r.bytes.tokenizer));
  console.log();
  console.log(table(header, rows));
  console.log("MB = 2^20 bytes. bits/token = bytes * 8 / title tokens (separators not counted).");
  console.log("\"index chunks + manifest\": the index artifact's chunks plus the whole JSON manifest (which also names the doc store and tokenizer chunks).");
  for (const r of results) if (r.truncatedTitles > 0) console.log(`${r.catalog}: ${int(r.truncatedTitles)} titles truncated to 64 tokens`);
  for (const r of results) console.log(`${r.catalog}: ${r.source}`);
}
