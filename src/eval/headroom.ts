/**
 * Where the lexical path loses Recall@10 on the dev split: in finding candidates, or in ordering
 * them. Searches each dev query `--candidates` deep (default: the path's own rescoring depth) and
 * prints Recall@10 as served, the share of relevant products among the candidates, and Recall@10
 * of the best possible order of those candidates (an oracle that knows the judgments).
 *
 *   npx tsx src/eval/headroom.ts [--candidates 150] [--model DIR]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_LEXICAL_OPTIONS, LexicalRetriever } from "../core/retrieval/lexical.ts";
import { openLexical } from "../node/lexical.ts";
import { REPO_ROOT } from "../node/paths.ts";
import { homedepotDir, loadEvalSet } from "./harness.ts";
import { RELEVANT_THRESHOLD, mean, relevantIds } from "./metrics.ts";

const { values } = parseArgs({ options: { candidates: { type: "string" }, model: { type: "string" } } });
const depth = Number(values.candidates ?? DEFAULT_LEXICAL_OPTIONS.candidates);
if (!Number.isInteger(depth) || depth < 10 || depth > 1000) throw new Error("--candidates: a whole number in [10, 1000]");

const dir = homedepotDir();
const set = await loadEvalSet({ judgmentsPath: join(dir, "judgments.tsv"), productsPath: join(dir, "products.tsv"), split: "dev" });
const { local, decoder } = await openLexical(set.products, values.model ?? join(REPO_ROOT, "wasm/model"));
const lexical = new LexicalRetriever(local.engine, decoder, { candidates: depth });
const served: number[] = [];
const found: number[] = [];
const oracle: number[] = [];
for (const q of set.queries) {
  const relevant = relevantIds(q.grades).length;
  const hits = (await lexical.search(q.query, depth)).hits.map((h) => (q.grades.get(h.id) ?? 1) >= RELEVANT_THRESHOLD);
  const among = hits.filter(Boolean).length;
  served.push(hits.slice(0, 10).filter(Boolean).length / relevant);
  found.push(among / relevant);
  oracle.push(Math.min(10, among) / relevant);
}
console.log(`dev, ${set.queries.length} queries, ${depth} candidates rescored`);
console.log(`Recall@10 as served                            ${mean(served).toFixed(4)}`);
console.log(`relevant products among the candidates        ${mean(found).toFixed(4)}`);
console.log(`Recall@10 of the best order of the candidates ${mean(oracle).toFixed(4)}`);
