/**
 * The method and weight of the origin's list in `hybrid`'s fusion (reciprocal rank or score fusion,
 * origin-client.ts), tuned on a sample of the TRAIN split (dev stays untouched for reporting).
 * Each query's two lists, FUSION_DEPTH deep (the Worker's lexical path: the span model when one
 * is exported, else fm-ngram; and the origin's answer in one mode), are fetched once, then fused
 * every way; prints Recall@10 and Recall@100 per method and weight.
 * The origin's models were trained on train queries, so this favours the origin's list: a weight
 * that is small here is no larger on unseen queries.
 *
 *   npx tsx src/eval/tune-hybrid.ts [--limit 600] [--mode semantic-adaptive] [--origin URL]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { RRF_RANK_CONSTANT, reciprocalRankFusion, scoreFusion } from "../core/retrieval/fusion.ts";
import type { SearchHit } from "../core/retrieval/types.ts";
import { FUSION_DEPTH, SEMANTIC_MODES, type SemanticMode } from "../worker/origin-client.ts";
import { homedepotDir, loadEvalSet } from "./harness.ts";
import { mean, scoreQuery } from "./metrics.ts";
import { OriginSession } from "./origin-session.ts";
import { createSystem } from "./systems.ts";

const { values } = parseArgs({ options: { limit: { type: "string", default: "600" }, mode: { type: "string", default: "semantic-adaptive" }, origin: { type: "string" } } });
const mode = values.mode as SemanticMode;
if (!SEMANTIC_MODES.includes(mode)) throw new Error(`--mode: one of ${SEMANTIC_MODES.join(", ")}`);
const K = FUSION_DEPTH;
const WEIGHTS = [0, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.75, 1];
const METHODS = { rrf: reciprocalRankFusion, score: scoreFusion };

const dir = homedepotDir();
const set = await loadEvalSet({ judgmentsPath: join(dir, "judgments.tsv"), productsPath: join(dir, "products.tsv"), split: "train", limit: Number(values.limit) });
const lexicalName = process.env["TUNE_LEXICAL"] ?? "lexical"; // or fm-ngram
const lexical = await createSystem(lexicalName, { products: set.products });
const session = new OriginSession(values.origin ? { url: values.origin } : {});
const lists: { lexical: readonly SearchHit[]; semantic: readonly SearchHit[] }[] = [];
try {
  const { client } = await session.client();
  for (const q of set.queries) {
    const answer = await client.search(q.query, K, mode);
    if (!answer.ok) throw new Error(`${q.query}: ${answer.reason}`);
    lists.push({ lexical: (await lexical.search(q.query, K)).hits, semantic: answer.hits });
  }
} finally {
  await session.close();
}
console.log(`train sample: ${set.queries.length} queries, ${lexicalName} ⊕ ${mode}, RRF rank constant ${RRF_RANK_CONSTANT}`);
for (const [method, fuse] of Object.entries(METHODS)) {
  for (const weight of WEIGHTS) {
    const scores = set.queries.map((q, i) => {
      const fused = fuse([{ hits: lists[i]!.lexical }, { hits: lists[i]!.semantic, weight }], { limit: K });
      return scoreQuery(fused.map((h) => h.id), q.grades);
    });
    const r10 = mean(scores.map((s) => s["recall@10"])).toFixed(4);
    const r100 = mean(scores.map((s) => s["recall@100"])).toFixed(4);
    console.log(`${method} weight ${weight}: R@10 ${r10}  R@100 ${r100}`);
  }
}
