/**
 * Worker latency in workerd (`wrangler dev`, local KV seeded with the Home Depot index):
 * warm-isolate server time over the dev queries, and cold isolates (a fresh `wrangler dev` per
 * sample) with their KV round trips, with whole-artifact prefetch on (default) and off.
 *
 * Part of `npm run bench` (`--only worker`).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildArtifacts } from "../src/core/artifacts.ts";
import { loadCatalogFile } from "../src/node/catalog-file.ts";
import { seedPersistDir, startWranglerDev } from "../test/support/wrangler-dev.ts";
import { homedepotProducts } from "./synthetic.ts";
import { percentile, table } from "./util.ts";

const PORT = 8799;

const startWorker = (persist: string, vars: Record<string, string>) => startWranglerDev({ persist, port: PORT, vars });

export interface Sample {
  clientMs: number;
  serverMs: number;
  phases: Record<string, number>;
  roundTrips: number;
}

async function query(q: string): Promise<Sample> {
  return timedSearch(PORT, q);
}

/** One GET /v1/search, with the client round trip, the Server-Timing phases and the KV reads. */
export async function timedSearch(port: number, q: string): Promise<Sample> {
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/v1/search?q=${encodeURIComponent(q)}&k=10`);
  await res.arrayBuffer();
  const clientMs = performance.now() - started;
  if (res.status !== 200) throw new Error(`${q}: HTTP ${res.status}`);
  const phases: Record<string, number> = {};
  for (const m of (res.headers.get("Server-Timing") ?? "").matchAll(/(\w+);dur=([\d.]+)/gu)) phases[m[1]!] = Number(m[2]);
  return { clientMs, serverMs: phases.total ?? Number.NaN, phases, roundTrips: Number(res.headers.get("X-KV-Round-Trips")) };
}

export async function runWorkerBench(options: { queries?: number; cold?: number } = {}): Promise<void> {
  const values = { queries: options.queries ?? 500, cold: options.cold ?? 5 };
  const hd = homedepotProducts();
  if ("missing" in hd) {
    console.log(`SKIP worker bench: ${hd.missing}`);
    return;
  }
  const { products } = await loadCatalogFile(hd.path);
  const built = await buildArtifacts(products, { source: "homedepot" });
  const persist = await mkdtemp(join(tmpdir(), "edgespan-bench-"));
  await seedPersistDir(persist, built);
  const devQueries = (await readFile("data/homedepot-dev-queries.txt", "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .slice(0, Number(values.queries));

  try {
    const rows: string[][] = [];
    // Warm isolate: one query to load, then every dev query in sequence.
    const warm = await startWorker(persist, {});
    try {
      await query(devQueries[0]!);
      const samples: Sample[] = [];
      for (const q of devQueries) samples.push(await query(q));
      const phases = ["total", "tokenize", "index", "score", "docs"];
      for (const p of phases) {
        const xs = samples.map((s) => s.phases[p] ?? 0);
        rows.push([`warm server ${p}`, percentile(xs, 0.5).toFixed(2), percentile(xs, 0.99).toFixed(2)]);
      }
      const client = samples.map((s) => s.clientMs);
      rows.push(["warm client round trip", percentile(client, 0.5).toFixed(2), percentile(client, 0.99).toFixed(2)]);
      rows.push(["warm KV round trips / query", String(percentile(samples.map((s) => s.roundTrips), 0.5)), String(Math.max(...samples.map((s) => s.roundTrips)))]);
    } finally {
      await warm.stop();
    }
    console.log(`\nWorker GET /v1/search (fm-ngram), warm isolate, ${devQueries.length} dev queries, workerd via wrangler dev`);
    console.log(table(["measure (ms unless noted)", "median", "p99"], rows));

    const coldRows: string[][] = [];
    for (const prefetch of ["4", "0"]) {
      const samples: Sample[] = [];
      for (let i = 0; i < Number(values.cold); i++) {
        const child = await startWorker(persist, { PREFETCH_MB: prefetch });
        try {
          samples.push(await query(devQueries[(i * 37) % devQueries.length]!));
        } finally {
          await child.stop();
        }
      }
      const trips = samples.map((s) => s.roundTrips);
      coldRows.push([
        prefetch === "0" ? "lazy (superblocks on demand)" : "prefetch index and documents ≤ 4 MiB",
        String(samples.length),
        `${Math.min(...trips)}–${Math.max(...trips)}`,
        percentile(samples.map((s) => s.clientMs), 0.5).toFixed(1),
      ]);
    }
    console.log(`\nCold isolate, empty cache (fresh wrangler dev per sample), first query`);
    console.log(table(["mode", "samples", "KV round trips", "client ms (median)"], coldRows));
  } finally {
    await rm(persist, { recursive: true, force: true });
  }
}

