/**
 * Runs the product locally: builds the catalog's index (the sample catalog unless --catalog),
 * seeds local KV, starts the Worker with `wrangler dev` and prints the URL.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { main as kvSeed } from "../kv-seed/cli.ts";

const { values } = parseArgs({
  options: {
    catalog: { type: "string", default: "data/sample-catalog.tsv" },
    // autocomplete's past queries; the sample catalog comes with a made-up log
    queries: { type: "string" },
    port: { type: "string", default: "8787" },
  },
});

const queries = values.queries ?? (values.catalog === "data/sample-catalog.tsv" ? "data/sample-queries.tsv" : undefined);
if ((await kvSeed(["local", "--catalog", values.catalog!, "--skip-invalid", ...(queries ? ["--queries", queries] : [])])) !== 0) process.exit(1);

const url = `http://127.0.0.1:${values.port}`;
// EVENTS_SINK=kv: A/B experiment events also go to local KV, where `edgespan ab-report` reads them.
const worker = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", values.port!, "--log-level", "error", "--var", "EVENTS_SINK:kv"], {
  stdio: ["inherit", "inherit", "inherit"],
});
const stop = (): void => {
  worker.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
worker.on("exit", (code) => process.exit(code ?? 0));

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
