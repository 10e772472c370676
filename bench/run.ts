/**
 * `npm run bench [-- --quick] [-- --only build|queries|worker]`: build, query and Worker
 * benchmarks, printed as plain-text tables (see bench/README.md).
 *
 *   --quick            skip the synthetic 1M-title build
 *   --only build       only the build benchmark
 *   --only queries     only the query benchmark (ours vs the Rust fm-index peer)
 *   --only worker      only the Worker benchmark (workerd via wrangler dev: warm latency, cold KV round trips)
 *   --only autocomplete  only the autocomplete benchmark (workerd: dev queries typed a character at a time)
 *   --only lexical     the generative path in workerd (--model DIR, default wasm/model)
 *   --only decoder-step  one span-model decoder step (beam 5) in onnxruntime-web vs native onnxruntime (--model DIR, default wasm/model)
 *   --only origin      the SemanticID origin at concurrency 1, 8, 32, with and without micro-batching
 *                      (--artifacts DIR; default .edgespan/semantic/homedepot if built, else sample)
 *   --only hybrid      strategy hybrid in workerd: result-cache hits against lexical alone, a slow origin against the budget
 *   --titles N         titles of the synthetic catalog (default 1000000)
 *   --spans N          spans in the query set (default 2000)
 *   --reps N           timed repetitions of the query set (default 5, at least 3)
 */
import { parseArgs } from "node:util";
import { runAutocompleteBench } from "./autocomplete.ts";
import { runBuildBench } from "./build.ts";
import { runQueryBench } from "./queries.ts";
import { runLexicalWorkerBench } from "./lexical-worker.ts";
import { runHybridBench } from "./hybrid.ts";
import { runDecoderStepBench } from "./decoder-step.ts";
import { runOriginBench } from "./origin.ts";
import { runWorkerBench } from "./worker.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    titles: { type: "string" },
    spans: { type: "string" },
    reps: { type: "string" },
    model: { type: "string" },
    artifacts: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help) {
  console.log("usage: npm run bench -- [--quick] [--only build|queries|worker|lexical|decoder-step|autocomplete|origin|hybrid] [--model DIR] [--artifacts DIR] [--titles N] [--spans N] [--reps N]");
  process.exit(0);
}
if (values.only !== undefined && !["build", "queries", "worker", "lexical", "decoder-step", "autocomplete", "origin", "hybrid"].includes(values.only)) {
  console.error(`--only: expected "build", "queries", "worker", "lexical", "decoder-step", "autocomplete", "origin" or "hybrid", got ${JSON.stringify(values.only)}`);
  process.exit(2);
}
const positive = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name}: expected a positive integer, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
};
const titles = positive("titles", values.titles);
const spans = positive("spans", values.spans);
const reps = positive("reps", values.reps);

const started = performance.now();
console.log(`Edgespan benchmarks (node ${process.version}, ${process.platform}/${process.arch})${values.quick ? ", --quick" : ""}`);
const runs = (part: string): boolean => values.only === undefined || values.only === part;
if (runs("build")) {
  console.log();
  await runBuildBench({ quick: values.quick, ...(titles !== undefined && { syntheticTitles: titles }) });
}
if (runs("queries")) {
  console.log();
  await runQueryBench({ ...(spans !== undefined && { spans }), ...(reps !== undefined && { reps }) });
}
if (runs("worker")) {
  console.log();
  await runWorkerBench({ cold: values.quick ? 3 : 5 });
}
if (runs("lexical")) {
  console.log();
  await runLexicalWorkerBench({ ...(values.model !== undefined && { modelDir: values.model }), cold: values.quick ? 2 : 5 });
}
if (runs("decoder-step")) {
  console.log();
  await runDecoderStepBench({ ...(values.model !== undefined && { modelDir: values.model }), reps: values.quick ? 200 : 1000 });
}
if (runs("autocomplete")) {
  console.log();
  await runAutocompleteBench({ queries: values.quick ? 100 : 300 });
}
if (runs("origin")) {
  console.log();
  await runOriginBench({ ...(values.artifacts !== undefined && { artifacts: values.artifacts }), requests: values.quick ? 96 : 256 });
}
if (runs("hybrid")) {
  console.log();
  await runHybridBench({ queries: values.quick ? 50 : 200, slow: values.quick ? 50 : 200 });
}
console.log();
console.log(`benchmarks done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
