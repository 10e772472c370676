// Real data: the Home Depot judgments, which are not in the repository. Skips where absent.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEV_QUERIES_PATH, homedepotDir, runEval } from "../../src/eval/harness.ts";
import { loadJudgments } from "../../src/eval/judgments.ts";
import { devQueries, readDevQueries } from "../../src/eval/split.ts";

const dir = homedepotDir();
const present = existsSync(join(dir, "judgments.tsv")) && existsSync(join(dir, "products.tsv"));
if (!present) console.warn(`eval-homedepot: skipped, no Home Depot data at ${dir} (set EDGESPAN_HOMEDEPOT)`);

describe.skipIf(!present)(`Home Depot data (${dir})`, () => {
  const paths = { judgmentsPath: join(dir, "judgments.tsv"), productsPath: join(dir, "products.tsv") };

  it("the committed dev list is the seeded split of the judgments", async () => {
    const judged = await loadJudgments(paths.judgmentsPath);
    expect([...(await readDevQueries(DEV_QUERIES_PATH))].sort()).toEqual(devQueries(judged.map((q) => q.query)));
  });

  it("bm25 on 50 dev queries gives plausible numbers", async () => {
    const report = await runEval({ ...paths, systems: ["bm25"], split: "dev", limit: 50 });
    const all = report.systems["bm25"]!.all!;
    expect(all.n).toBe(50);
    expect(all["recall@10"]).toBeGreaterThan(0.2);
    expect(all["recall@100"]).toBeGreaterThanOrEqual(all["recall@10"]);
    expect(all["ndcg@10"]).toBeGreaterThan(0.1);
  });
});
