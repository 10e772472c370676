/**
 * Grid search of fm-ngram's scoring parameters on a sample of the TRAIN split (the dev split
 * stays untouched for reporting). Prints Recall@10, Recall@100 and median latency per setting.
 *
 *   npx tsx src/eval/tune-fm-ngram.ts [--limit 1500] [--grid '[{"wordCoverage":0}, {"wordCoverage":2}]'] [--wordpiece]
 *
 * --wordpiece indexes the catalog with the span model's WordPiece tokenizer (the Home Depot build
 * that `lexical` falls back from) instead of the word tokenizer; there the query rewrites apply.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { NgramOptions } from "../core/retrieval/fm-ngram.ts";
import { WordPieceTokenizer } from "../core/tokenizer/wordpiece.ts";
import { openLocalEngine } from "../node/engine.ts";
import { DEFAULT_TOKENIZER } from "../node/lexical.ts";
import { aggregate, homedepotDir, loadEvalSet, measureSystem } from "./harness.ts";

const { values } = parseArgs({
  options: { limit: { type: "string", default: "1500" }, grid: { type: "string" }, wordpiece: { type: "boolean", default: false } },
});
const dir = homedepotDir();
const set = await loadEvalSet({
  judgmentsPath: join(dir, "judgments.tsv"),
  productsPath: join(dir, "products.tsv"),
  split: "train",
  limit: Number(values.limit),
});
const tokenizer = values.wordpiece ? WordPieceTokenizer.load(new Uint8Array(await readFile(DEFAULT_TOKENIZER))) : undefined;
const local = await openLocalEngine(set.products, { ...(tokenizer && { tokenizer }) });
const defaultGrid: Partial<NgramOptions>[] = [];
for (const perPosition of [false, true])
  for (const lengthNorm of [0, 0.25, 0.5])
    for (const [maxHitsPerSpan, candidates] of [[256, 100], [768, 150], [1024, 300]] as const)
      defaultGrid.push({ perPosition, lengthNorm, maxHitsPerSpan, candidates });
const grid = values.grid ? (JSON.parse(values.grid) as Partial<NgramOptions>[]) : defaultGrid;
console.log(`train sample: ${set.queries.length} queries, ${values.wordpiece ? "WordPiece" : "word"} index`);
for (const options of grid) {
  const report = aggregate(await measureSystem(local.retriever("fm-ngram", options), set.queries))["all"]!;
  console.log(JSON.stringify(options), `R@10 ${report["recall@10"]}  R@100 ${report["recall@100"]}  p50 ${report.latency_ms_p50} ms`);
}
