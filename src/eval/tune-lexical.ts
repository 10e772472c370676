/**
 * Grid search of the lexical path's ranking options (the span model in wasm/model, or --model) on
 * a slice of the TRAIN split; the dev split stays untouched for reporting. The model's spans are
 * decoded anew for every setting, so a setting's latency is the whole query's. Tune on one slice
 * and confirm on another (--offset past the first).
 *
 *   npx tsx src/eval/tune-lexical.ts [--limit 400] [--offset 0] [--grid '[{"lengthNorm":0.15}, ...]']
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_LEXICAL_OPTIONS, type LexicalOptions, LexicalRetriever } from "../core/retrieval/lexical.ts";
import { openLexical } from "../node/lexical.ts";
import { REPO_ROOT } from "../node/paths.ts";
import { aggregate, homedepotDir, loadEvalSet, measureSystem } from "./harness.ts";

const { values } = parseArgs({
  options: { limit: { type: "string", default: "400" }, offset: { type: "string", default: "0" }, model: { type: "string" }, grid: { type: "string" } },
});
const offset = Number(values.offset);
const limit = Number(values.limit);
if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1) throw new Error("--offset and --limit: whole numbers (limit ≥ 1)");

const budgets = [
  { maxHitsPerSpan: 512, maxHitsPerQuery: 2048 },
  { maxHitsPerSpan: 2048, maxHitsPerQuery: 8192 },
];
const defaultGrid: Partial<LexicalOptions>[] = [];
for (const budget of budgets)
  for (const lengthNorm of [0.15, 0.25, 0.5])
    for (const queryLikelihood of [0.5, 0.8])
      defaultGrid.push({ ...budget, lengthNorm, ngrams: { ...DEFAULT_LEXICAL_OPTIONS.ngrams, queryLikelihood } });
const grid = values.grid ? (JSON.parse(values.grid) as Partial<LexicalOptions>[]) : defaultGrid;

const dir = homedepotDir();
const set = await loadEvalSet({ judgmentsPath: join(dir, "judgments.tsv"), productsPath: join(dir, "products.tsv"), split: "train", limit: offset + limit });
const queries = set.queries.slice(offset);
const { local, decoder } = await openLexical(set.products, values.model ?? join(REPO_ROOT, "wasm/model"));
console.log(`train queries ${offset}..${offset + queries.length}`);
for (const options of grid) {
  const report = aggregate(await measureSystem(new LexicalRetriever(local.engine, decoder, options), queries))["all"]!;
  console.log(JSON.stringify(options), `R@10 ${report["recall@10"]}  R@100 ${report["recall@100"]}  p50 ${report.latency_ms_p50} ms`);
}
