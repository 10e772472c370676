/**
 * The SemanticID origin under load: it is started here (`python -m edgespan_ml.origin`), once with
 * micro-batching and once without (`--no-batching`: one request per model call), and loaded with
 * signed POST /v1/semantic-search requests at concurrency 1, 8 and 32. Per cell: throughput,
 * client-side median and p99 latency, and the mean number of requests per model call (the
 * origin's X-Batch-Size). The load generator shares the machine's CPUs with the origin.
 *
 * Artifacts: --artifacts DIR, else the Home Depot build (.edgespan/semantic/homedepot) once it
 * has the semantic-adaptive model, else the sample one. Queries: the Home Depot dev queries for the Home Depot build, the
 * sample query log otherwise.
 *
 * Part of `npm run bench` (`--only origin`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "../src/node/paths.ts";
import { percentile, table } from "./util.ts";

const CONCURRENCY = [1, 8, 32];
// the contract's default mode; artifacts without it are measured in the next one they have
const MODE_PREFERENCE = ["semantic-adaptive", "semantic", "dense-ft", "dense"];
const K = 10;

interface Origin {
  url: string;
  device: string;
  modes: string[];
  process: ChildProcess;
}

interface Cell {
  batching: boolean;
  concurrency: number;
  seconds: number;
  latencies: number[];
  batchSizes: number[];
  errors: number;
}

function defaultArtifacts(): string {
  const homedepot = resolve(REPO_ROOT, ".edgespan/semantic/homedepot");
  // a Home Depot build counts once it has the default mode's model (the build writes it late)
  return existsSync(resolve(homedepot, "sid-model.adaptive.pt")) ? homedepot : resolve(REPO_ROOT, ".edgespan/semantic/sample");
}

async function benchQueries(artifacts: string): Promise<{ source: string; queries: string[] }> {
  const homedepot = basename(artifacts) === "homedepot";
  const source = homedepot ? "data/homedepot-dev-queries.txt" : "data/sample-queries.tsv";
  const lines = (await readFile(resolve(REPO_ROOT, source), "utf8")).split("\n");
  // the sample log is `query<TAB>count`; the dev list one query a line; `#` starts a comment
  const queries = lines.filter((l) => l.trim() !== "" && !l.startsWith("#")).map((l) => l.split("\t")[0]!.trim());
  return { source, queries: queries.filter((q) => q.length > 0 && q.length <= 256) };
}

async function startOrigin(artifacts: string, secret: string, batching: boolean): Promise<Origin> {
  const args = ["-m", "edgespan_ml.origin", "--artifacts", artifacts, "--port", "0", ...(batching ? [] : ["--no-batching"])];
  const child = spawn(resolve(REPO_ROOT, ".venv/bin/python"), args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ORIGIN_SECRET: secret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // the per-request JSON log lines are not needed here; keep the last few for an error message
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
  });
  const url = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^origin listening on (http:\/\/\S+)$/u.exec(line);
      if (m) ok(m[1]!);
    });
    child.on("exit", (code) => fail(new Error(`origin exited (code ${code}) before listening:\n${stderrTail.join("\n")}`)));
  });
  // loading the artifacts (MiniLM, the SemanticID model, the trie) takes a while on a CPU
  for (let i = 0; i < 3000; i++) {
    if (child.exitCode !== null) throw new Error(`origin exited (code ${child.exitCode}):\n${stderrTail.join("\n")}`);
    try {
      const res = await fetch(`${url}/ready`);
      if (res.ok) return { url, ...((await res.json()) as { device: string; modes: string[] }), process: child };
      await res.arrayBuffer();
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill("SIGTERM");
  throw new Error("origin not ready after 10 minutes");
}

async function stopOrigin(origin: Origin): Promise<void> {
  if (origin.process.exitCode !== null) return;
  const exited = new Promise((r) => origin.process.on("exit", r));
  origin.process.kill("SIGTERM");
  await exited;
}

/** One signed request, the way the Worker sends it: HMAC-SHA256 over "<timestamp>.<body>". */
async function search(url: string, secret: string, query: string, mode: string): Promise<{ ms: number; batch: number; ok: boolean }> {
  const body = JSON.stringify({ query, k: K, mode });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  const started = performance.now();
  const res = await fetch(`${url}/v1/semantic-search`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-edgespan-timestamp": timestamp, "x-edgespan-signature": signature },
    body,
  });
  await res.arrayBuffer();
  return { ms: performance.now() - started, batch: Number(res.headers.get("x-batch-size") ?? 0), ok: res.status === 200 };
}

/** `requests` queries through `concurrency` clients, each sending its next request when the last is answered. */
async function load(origin: Origin, secret: string, queries: string[], mode: string, concurrency: number, requests: number, batching: boolean): Promise<Cell> {
  const cell: Cell = { batching, concurrency, seconds: 0, latencies: [], batchSizes: [], errors: 0 };
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < requests) {
      const q = queries[next++ % queries.length]!;
      const r = await search(origin.url, secret, q, mode);
      if (!r.ok) cell.errors++;
      cell.latencies.push(r.ms);
      cell.batchSizes.push(r.batch);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  cell.seconds = (performance.now() - started) / 1000;
  return cell;
}

export async function runOriginBench(options: { artifacts?: string; requests?: number } = {}): Promise<void> {
  const artifacts = resolve(options.artifacts ?? defaultArtifacts());
  const requests = options.requests ?? 256;
  if (!existsSync(resolve(REPO_ROOT, ".venv/bin/python"))) {
    console.log("SKIP origin bench: no .venv (bash scripts/python-env.sh)");
    return;
  }
  if (!existsSync(resolve(artifacts, "products.json"))) {
    console.log(`SKIP origin bench: no artifacts at ${artifacts} (python -m edgespan_ml.semantic.build --catalog sample|homedepot)`);
    return;
  }
  const { source, queries } = await benchQueries(artifacts);
  const secret = randomBytes(32).toString("hex");
  const cells: Cell[] = [];
  let device = "";
  let mode = "";
  for (const batching of [false, true]) {
    const origin = await startOrigin(artifacts, secret, batching);
    device = origin.device;
    mode = MODE_PREFERENCE.find((m) => origin.modes.includes(m)) ?? "";
    try {
      if (mode === "") throw new Error(`the artifacts at ${artifacts} answer none of ${MODE_PREFERENCE.join(", ")}`);
      // warm-up: first calls pay for lazy initialization in torch
      for (let i = 0; i < 10; i++) await search(origin.url, secret, queries[i % queries.length]!, mode);
      // the same queries for every cell: each starts where the warm-up ended
      for (const concurrency of CONCURRENCY) cells.push(await load(origin, secret, queries.slice(10), mode, concurrency, requests, batching));
    } finally {
      await stopOrigin(origin);
    }
  }

  console.log(`\nOrigin POST /v1/semantic-search, mode ${mode}, k ${K}, ${requests} requests per cell, artifacts ${artifacts}`);
  console.log(`queries: ${source}; device: ${device}; micro-batching: max batch 32, max wait 2 ms`);
  const rows = cells.map((c) => [
    c.batching ? "on" : "off",
    String(c.concurrency),
    (c.latencies.length / c.seconds).toFixed(1),
    percentile(c.latencies, 0.5).toFixed(1),
    percentile(c.latencies, 0.99).toFixed(1),
    (c.batchSizes.reduce((a, b) => a + b, 0) / Math.max(1, c.batchSizes.length)).toFixed(1),
    String(c.errors),
  ]);
  console.log(table(["batching", "concurrency", "req/s", "median ms", "p99 ms", "mean batch", "errors"], rows));
  const at32 = (batching: boolean) => cells.find((c) => c.batching === batching && c.concurrency === 32)!;
  const gain = at32(true).latencies.length / at32(true).seconds / (at32(false).latencies.length / at32(false).seconds);
  console.log(`throughput at concurrency 32, batching on / off: ${gain.toFixed(2)}x (target: > 1)`);
}

