/**
 * Grid search of MiniSearch's fuzzy/prefix options for the `bm25-fuzzy` baseline, on the dev split.
 * Prints dev Recall@10 (and NDCG@10, p50 latency) per setting; the chosen one is fixed by hand in
 * BM25_FUZZY_SEARCH (src/eval/systems.ts), with this output in its comment.
 *
 *   npx tsx src/eval/tune-bm25-fuzzy.ts [--split dev|train] [--limit N]
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { SearchOptions } from "minisearch";
import { aggregate, homedepotDir, loadEvalSet, measureSystem, type Split } from "./harness.ts";
import { BM25_SEARCH, bm25Index, bm25Retriever } from "./systems.ts";

const { values } = parseArgs({ options: { split: { type: "string", default: "dev" }, limit: { type: "string" } } });
const set = await loadEvalSet({
  judgmentsPath: resolve(homedepotDir(), "judgments.tsv"),
  productsPath: resolve(homedepotDir(), "products.tsv"),
  split: values.split as Split,
  ...(values.limit ? { limit: Number(values.limit) } : {}),
});
const index = bm25Index(set.products);
console.log(`${values.split}: ${set.queries.length} queries`);

async function score(label: string, options: SearchOptions): Promise<number> {
  const all = aggregate(await measureSystem(bm25Retriever(label, index, { ...BM25_SEARCH, ...options }), set.queries))["all"]!;
  console.log(`${label.padEnd(44)} recall@10 ${all["recall@10"].toFixed(4)}  ndcg@10 ${all["ndcg@10"].toFixed(4)}  p50 ${all.latency_ms_p50} ms`);
  return all["recall@10"];
}

await score("exact (bm25)", {});
// Stage 1: fuzziness (max edits = round(fraction × term length)) × prefix, MiniSearch's default weights.
let best = { recall: -1, options: {} as SearchOptions };
for (const fuzzy of [0.1, 0.2, 0.3]) {
  for (const prefix of [false, true]) {
    const recall = await score(`fuzzy=${fuzzy} prefix=${prefix}`, { fuzzy, prefix });
    if (recall > best.recall) best = { recall, options: { fuzzy, prefix } };
  }
}
// Stage 2: how much a fuzzy / prefix match counts relative to an exact one (default 0.45 / 0.375).
for (const fuzzyWeight of [0.2, 0.45, 0.7]) {
  for (const prefixWeight of best.options.prefix ? [0.2, 0.375, 0.6] : [0.375]) {
    const options = { ...best.options, weights: { fuzzy: fuzzyWeight, prefix: prefixWeight } };
    await score(`fuzzy=${best.options.fuzzy} prefix=${best.options.prefix} w=${fuzzyWeight}/${prefixWeight}`, options);
  }
}
