/**
 * Runs the product locally: builds the catalog's index (the sample catalog unless --catalog),
 * seeds local KV, starts the SemanticID origin (scripts/origin.sh) and the Worker with
 * `wrangler dev`, and prints both URLs. The origin stops when the Worker does.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync } from "node:fs";
import { parseArgs } from "node:util";
import { main as kvSeed } from "../kv-seed/cli.ts";

const { values } = parseArgs({
  options: {
    catalog: { type: "string", default: "data/sample-catalog.tsv" },
    // autocomplete's past queries; the sample catalog comes with a made-up log
    queries: { type: "string" },
    port: { type: "string", default: "8787" },
    "no-model": { type: "boolean", default: false },
  },
});

const sampleCatalog = values.catalog === "data/sample-catalog.tsv";
const queries = values.queries ?? (sampleCatalog ? "data/sample-queries.tsv" : undefined);

// The origin's artifacts must describe the served catalog: the sample's (built on first run), or
// ORIGIN_ARTIFACTS for another catalog. It starts first, as its first build takes a minute; until it
// is ready, strategy `hybrid` answers with lexical results marked degraded.
const originPort = process.env.ORIGIN_PORT ?? "8788";
const originUrl = `http://127.0.0.1:${originPort}`;
const originLog = ".edgespan/origin.log";
let origin: ChildProcess | undefined;
if (sampleCatalog || process.env.ORIGIN_ARTIFACTS) {
  // the Worker reads the shared ORIGIN_SECRET from .dev.vars, so it must be there before wrangler starts
  if (spawnSync("bash", ["scripts/origin.sh", "--ensure-secret"], { stdio: "inherit" }).status !== 0) process.exit(1);
  mkdirSync(".edgespan", { recursive: true });
  const logFd = openSync(originLog, "a");
  // detached: its own process group, so stopping it also stops a build it is running
  origin = spawn("bash", ["scripts/origin.sh"], { stdio: ["ignore", logFd, logFd], detached: true, env: { ...process.env, ORIGIN_PORT: originPort } });
  origin.on("exit", (code, signal) => {
    if (signal === null) console.error(`\nthe SemanticID origin exited (code ${code}); see ${originLog}. hybrid serves lexical results alone.`);
    origin = undefined;
  });
} else {
  console.log("SemanticID origin not started: no artifacts for this catalog (set ORIGIN_ARTIFACTS to a semantic build of it).");
}
const stopOrigin = (): void => {
  if (origin?.pid !== undefined) process.kill(-origin.pid, "SIGTERM");
  origin = undefined;
};
// however this process ends (kv-seed's local KV installs signal handlers that exit before ours run)
process.on("exit", stopOrigin);

// The committed span model (wasm/model) makes `lexical`, the default strategy, the generative path;
// the index is then built with its WordPiece vocabulary. --no-model builds a word index instead.
const model = !values["no-model"] && existsSync("wasm/model/model.json") ? ["--tokenizer", "wasm/tokenizer.txt", "--model", "wasm/model"] : [];
if ((await kvSeed(["local", "--catalog", values.catalog!, "--skip-invalid", ...(queries ? ["--queries", queries] : []), ...model])) !== 0) {
  stopOrigin();
  process.exit(1);
}

const url = `http://127.0.0.1:${values.port}`;
// EVENTS_SINK=kv: A/B experiment events also go to local KV, where `edgespan ab-report` reads them.
const originVars = origin ? ["--var", `ORIGIN_URL:${originUrl}`] : [];
const worker = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", values.port!, "--log-level", "error", "--var", "EVENTS_SINK:kv", ...originVars], {
  stdio: ["inherit", "inherit", "inherit"],
});
const stop = (): void => {
  stopOrigin();
  worker.kill("SIGTERM");
};
process.prependListener("SIGINT", stop);
process.prependListener("SIGTERM", stop);
worker.on("exit", (code) => {
  stopOrigin();
  process.exit(code ?? 0);
});

for (let i = 0; i < 1200; i++) {
  try {
    const res = await fetch(`${url}/health`);
    if (res.ok) {
      const health = (await res.json()) as { index: { version: string; products: number } };
      console.log(`\nEdgespan is serving ${health.index.products} products (index ${health.index.version}) at ${url}`);
      console.log(`  try: curl '${url}/v1/search?q=garden+hose&k=3'\n`);
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((r) => setTimeout(r, 100));
}

// The origin may still be building its artifacts: say when it is ready, without holding the Worker up.
if (origin) console.log(`SemanticID origin starting at ${originUrl} (logs: ${originLog})`);
for (let i = 0; i < 3000 && origin; i++) {
  try {
    if ((await fetch(`${originUrl}/ready`)).ok) {
      console.log(`SemanticID origin ready at ${originUrl}`);
      console.log(`  try: curl '${url}/v1/search?q=garden+hose&k=3&strategy=hybrid'\n`);
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((r) => setTimeout(r, 200));
}
