/**
 * The evaluation harness: judged queries of one split, run one at a time through each system,
 * scored and aggregated per bucket.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseCatalog } from "../core/catalog/catalog.ts";
import type { Product } from "../core/catalog/product.ts";
import type { Retriever } from "../core/retrieval/types.ts";
import { BUCKETS, type Bucket, catalogWords, queryBuckets } from "./buckets.ts";
import { loadJudgments, type JudgedQuery } from "./judgments.ts";
import { mean, percentile, relevantIds, scoreQuery, type QueryScores } from "./metrics.ts";
import { queryHash, readDevQueries } from "./split.ts";
import { OriginSession } from "./origin-session.ts";
import { createSystem } from "./systems.ts";
import { REPO_ROOT, homedepotDir } from "../node/paths.ts";

export { REPO_ROOT, homedepotDir };
export const DEV_QUERIES_PATH = resolve(REPO_ROOT, "data/homedepot-dev-queries.txt");

export type Split = "dev" | "train" | "all";

export interface EvalQuery extends JudgedQuery {
  readonly buckets: readonly Bucket[];
}

export interface EvalSet {
  readonly products: Product[];
  readonly queries: EvalQuery[];
  /** Queries of the split left out because none of their products is relevant. */
  readonly excludedNoRelevant: number;
}

export interface LoadOptions {
  readonly judgmentsPath: string;
  readonly productsPath: string;
  readonly split: Split;
  /** Evaluate only the first N queries of the split, in a fixed pseudo-random order. */
  readonly limit?: number;
  /** The committed dev list; dev = queries in it, train = all others. */
  readonly devQueriesPath?: string;
}

export async function loadEvalSet(options: LoadOptions): Promise<EvalSet> {
  const products = parseCatalog(await readFile(options.productsPath, "utf8"), { file: options.productsPath }).products;
  const judged = await loadJudgments(options.judgmentsPath);
  const dev = options.split === "all" ? undefined : await readDevQueries(options.devQueriesPath ?? DEV_QUERIES_PATH);
  const inSplit = judged.filter((q) => !dev || dev.has(q.key) === (options.split === "dev"));

  const catalog = catalogWords(products);
  const scorable = inSplit.filter((q) => relevantIds(q.grades).length > 0);
  // Hash order rather than file order, so that --limit takes a sample, not the head of the file.
  const ordered = scorable.sort((a, b) => queryHash(a.key) - queryHash(b.key) || (a.key < b.key ? -1 : 1));
  const queries = ordered
    .slice(0, options.limit ?? ordered.length)
    .map((q) => ({ ...q, buckets: queryBuckets(q.query, relevantIds(q.grades), catalog) }));
  return { products, queries, excludedNoRelevant: inSplit.length - scorable.length };
}

export interface BucketReport {
  readonly n: number;
  readonly "recall@10": number;
  readonly "recall@100": number;
  readonly "mrr@10": number;
  readonly "ndcg@10": number;
  readonly latency_ms_p50: number;
  /** From the Worker's Server-Timing `total`, when it sends one. */
  readonly server_ms_p50?: number;
}

export interface EvalReport {
  readonly systems: Record<string, Partial<Record<Bucket, BucketReport>>>;
  readonly queries: { readonly split: Split; readonly evaluated: number; readonly excluded_no_relevant: number };
}

const WARM_UP_QUERY = "edgespan warm up";
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

interface Measured {
  readonly query: EvalQuery;
  readonly scores: QueryScores;
  readonly latencyMs: number;
  readonly serverMs?: number;
}

/** Runs every query through one system, sequentially so that latency is not skewed by concurrency. */
export async function measureSystem(retriever: Retriever, queries: readonly EvalQuery[], k = 100): Promise<Measured[]> {
  await retriever.search(WARM_UP_QUERY, k);
  const measured: Measured[] = [];
  for (const query of queries) {
    const start = performance.now();
    const result = await retriever.search(query.query, k);
    const latencyMs = performance.now() - start;
    const scores = scoreQuery(result.hits.map((h) => String(h.id)), query.grades);
    const serverMs = result.timings["server.total"];
    measured.push(serverMs === undefined ? { query, scores, latencyMs } : { query, scores, latencyMs, serverMs });
  }
  return measured;
}

export function aggregate(measured: readonly Measured[]): Partial<Record<Bucket, BucketReport>> {
  const report: Partial<Record<Bucket, BucketReport>> = {};
  for (const bucket of BUCKETS) {
    const rows = measured.filter((m) => m.query.buckets.includes(bucket));
    if (rows.length === 0 && bucket !== "all") continue;
    const avg = (metric: keyof QueryScores) => round(mean(rows.map((r) => r.scores[metric])), 4);
    const server = rows.flatMap((r) => (r.serverMs === undefined ? [] : [r.serverMs]));
    report[bucket] = {
      n: rows.length,
      "recall@10": avg("recall@10"),
      "recall@100": avg("recall@100"),
      "mrr@10": avg("mrr@10"),
      "ndcg@10": avg("ndcg@10"),
      latency_ms_p50: round(percentile(rows.map((r) => r.latencyMs), 50), 2),
      ...(server.length > 0 ? { server_ms_p50: round(percentile(server, 50), 2) } : {}),
    };
  }
  return report;
}

export interface EvalOptions extends LoadOptions {
  /** System names for createSystem. */
  readonly systems: readonly string[];
  readonly endpoint?: string;
  /** The exported span model for `lexical`. */
  readonly modelDir?: string;
  /** Results asked of each system per query. */
  readonly k?: number;
  /** A running semantic origin; without it one is started on the Home Depot artifacts when a system needs it. */
  readonly origin?: string;
  /** Its artifacts, when the harness starts it (default .edgespan/semantic/homedepot). */
  readonly originArtifacts?: string;
}

export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const set = await loadEvalSet(options);
  const systems: EvalReport["systems"] = {};
  const origin = new OriginSession({ ...(options.origin && { url: options.origin }), ...(options.originArtifacts && { artifacts: options.originArtifacts }) });
  try {
    // One system at a time: build, measure, drop, so that indexes do not compete for memory.
    for (const name of options.systems) {
      const retriever = await createSystem(name, {
        products: set.products,
        origin,
        ...(options.endpoint && { endpoint: options.endpoint }),
        ...(options.modelDir && { modelDir: options.modelDir }),
      });
      systems[name] = aggregate(await measureSystem(retriever, set.queries, options.k ?? 100));
    }
  } finally {
    await origin.close(); // stops an origin started here
  }
  return {
    systems,
    queries: { split: options.split, evaluated: set.queries.length, excluded_no_relevant: set.excludedNoRelevant },
  };
}
