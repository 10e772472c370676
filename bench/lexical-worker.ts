/**
 * The generative path in workerd: the Home Depot catalog indexed with the WordPiece tokenizer and
 * published with a span model (as `kv-seed --tokenizer --model` does), then `GET /v1/search` with
 * the default strategy (`lexical`) over the dev queries in a warm isolate, and the first request of
 * fresh isolates (model read from KV and its session created on that request).
 *
 *   npm run bench -- --only lexical [--model DIR]      (an export of edgespan_ml/export.py; default wasm/model)
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildArtifacts } from "../src/core/artifacts.ts";
import { WordPieceTokenizer } from "../src/core/tokenizer/wordpiece.ts";
import { loadCatalogFile } from "../src/node/catalog-file.ts";
import { DEFAULT_TOKENIZER } from "../src/node/lexical.ts";
import { REPO_ROOT } from "../src/node/paths.ts";
import { readSpanModel } from "../src/node/span-model.ts";
import { freePort, seedPersistDir, startWranglerDev } from "../test/support/wrangler-dev.ts";
import { homedepotProducts } from "./synthetic.ts";
import { percentile, table } from "./util.ts";
import { type Sample, timedSearch } from "./worker.ts";

/** Requests between the isolate's first and the measured ones. */
const WARM_UP = 20;

/** Rows of [measure, median, p99] of one warm isolate started with `vars`. */
async function warmRun(persist: string, port: number, queries: readonly string[], warmUp: readonly string[], vars: Record<string, string>): Promise<string[][]> {
  const warm = await startWranglerDev({ persist, port, vars });
  const rows: string[][] = [];
  try {
    const first = await timedSearch(port, queries[0]!);
    const afterFirst: Sample[] = [];
    for (const q of warmUp) afterFirst.push(await timedSearch(port, q));
    const samples: Sample[] = [];
    for (const q of queries) samples.push(await timedSearch(port, q));
    for (const phase of ["total", "tokenize", "encode", "decode", "index", "docs", "score"]) {
      const xs = samples.map((s) => s.phases[phase] ?? 0);
      rows.push([`warm server ${phase}`, percentile(xs, 0.5).toFixed(2), percentile(xs, 0.99).toFixed(2)]);
    }
    const client = samples.map((s) => s.clientMs);
    rows.push(["warm client round trip", percentile(client, 0.5).toFixed(2), percentile(client, 0.99).toFixed(2)]);
    rows.push(["first request of the isolate (client)", first.clientMs.toFixed(1), ""]);
    const warmingUp = afterFirst.map((s) => s.serverMs);
    rows.push([`the ${warmUp.length} requests after it, server total (median / max)`, percentile(warmingUp, 0.5).toFixed(2), Math.max(...warmingUp).toFixed(2)]);
  } finally {
    await warm.stop();
  }
  return rows;
}

export async function runLexicalWorkerBench(options: { modelDir?: string; queries?: number; cold?: number }): Promise<void> {
  const hd = homedepotProducts();
  if ("missing" in hd) return console.log(`SKIP lexical worker bench: ${hd.missing}`);
  const modelDir = options.modelDir ?? join(REPO_ROOT, "wasm/model");
  if (!existsSync(join(modelDir, "model.json"))) return console.log(`SKIP lexical worker bench: no exported span model in ${modelDir} (--model DIR)`);
  const { products } = await loadCatalogFile(hd.path);
  const tokenizer = WordPieceTokenizer.load(new Uint8Array(await readFile(DEFAULT_TOKENIZER)));
  const built = await buildArtifacts(products, { source: "homedepot", tokenizer, model: await readSpanModel(modelDir) });
  const persist = await mkdtemp(join(tmpdir(), "edgespan-lexical-"));
  await seedPersistDir(persist, built);
  const devQueries = (await readFile("data/homedepot-dev-queries.txt", "utf8")).split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
  const queries = devQueries.slice(0, options.queries ?? 300);
  // Warm-up requests come from past the measured queries: right after an isolate's first request,
  // V8 is still compiling the runtime's hot WebAssembly in the background, which slows the next
  // few requests; they are reported on their own row, not in the warm percentiles.
  const warmUp = devQueries.slice(queries.length, queries.length + WARM_UP);
  try {
    const port = await freePort();
    // The peer in the same run: the same isolate without the locate memo, so every query walks
    // its spans' occurrences afresh (what the memo saves depends on how queries share words).
    const withMemo = await warmRun(persist, port, queries, warmUp, {});
    const withoutMemo = await warmRun(persist, port, queries, warmUp, { LOCATE_MEMO_OCCURRENCES: "0" });
    console.log(`\nWorker GET /v1/search (lexical, beam 5), warm isolate (after ${warmUp.length} warm-up requests), ${queries.length} dev queries, workerd via wrangler dev`);
    console.log(table(["measure (ms)", "median", "p99", "median, no locate memo", "p99, no locate memo"], withMemo.map((row, i) => [...row, ...withoutMemo[i]!.slice(1)])));

    const cold: Sample[] = [];
    for (let i = 0; i < (options.cold ?? 3); i++) {
      const dev = await startWranglerDev({ persist, port });
      try {
        cold.push(await timedSearch(port, queries[(i * 37) % queries.length]!));
      } finally {
        await dev.stop();
      }
    }
    const trips = cold.map((s) => s.roundTrips);
    const coldPhases = ["total", "manifest", "model", "tokenize", "encode", "decode", "index", "docs", "score"];
    console.log(`\nCold isolate, first request, server time per phase (median of ${cold.length}; ms)`);
    console.log(table(coldPhases, [coldPhases.map((p) => percentile(cold.map((s) => s.phases[p] ?? 0), 0.5).toFixed(0))]));
    console.log(`\nCold isolate (fresh wrangler dev per sample), first lexical query: model and index read from KV`);
    const client = cold.map((s) => s.clientMs);
    console.log(
      table(
        ["samples", "KV round trips", "client ms (median)", "client ms (max)", "server ms (median)"],
        [[String(cold.length), `${Math.min(...trips)}–${Math.max(...trips)}`, percentile(client, 0.5).toFixed(1), Math.max(...client).toFixed(1), percentile(cold.map((s) => s.serverMs), 0.5).toFixed(1)]],
      ),
    );
  } finally {
    await rm(persist, { recursive: true, force: true });
  }
}
