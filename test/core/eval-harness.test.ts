import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runEval } from "../../src/eval/harness.ts";
import { markdownReport, textReport } from "../../src/eval/report.ts";
import { createSystem, SystemUnavailableError } from "../../src/eval/systems.ts";

const PRODUCTS = "product_id\ttitle\n1\tRed Door Knob\n2\tBrass Door Hinge\n3\tGarden Hose 50 ft\n4\tRed Garden Gloves\n";
// door knob: 1 relevant, 2 partially relevant. garden hose: 3 relevant, 4 partially.
// hammer: nothing relevant (excluded). toitets: a typo no title contains, relevant 2 (never found).
const JUDGMENTS = [
  "query\tproduct_id\trelevance",
  "door knob\t1\t3",
  "door knob\t2\t1.67",
  "garden hose\t3\t3",
  "garden hose\t4\t2",
  "hammer\t1\t1",
  "toitets\t2\t3",
].join("\n");

async function fixture() {
  const dir = await mkdtemp(join(tmpdir(), "edgespan-eval-"));
  const paths = { productsPath: join(dir, "products.tsv"), judgmentsPath: join(dir, "judgments.tsv"), devQueriesPath: join(dir, "dev.txt") };
  await writeFile(paths.productsPath, PRODUCTS);
  await writeFile(paths.judgmentsPath, JUDGMENTS);
  await writeFile(paths.devQueriesPath, "# test split\ngarden hose\ntoitets\n");
  return paths;
}

const metrics = (n: number, r10: number, r100: number, mrr: number, ndcg: number) => ({
  n,
  "recall@10": r10,
  "recall@100": r100,
  "mrr@10": mrr,
  "ndcg@10": ndcg,
  latency_ms_p50: expect.any(Number),
});

describe("runEval", () => {
  it("scores bm25 end to end on a synthetic catalog, per bucket", async () => {
    const report = await runEval({ ...(await fixture()), systems: ["bm25"], split: "all" });
    expect(report.queries).toEqual({ split: "all", evaluated: 3, excluded_no_relevant: 1 });
    expect(report.systems).toEqual({
      bm25: {
        all: metrics(3, 0.6667, 0.6667, 0.6667, 0.6667),
        "len:1-2": metrics(3, 0.6667, 0.6667, 0.6667, 0.6667),
        "overlap:all": metrics(2, 1, 1, 1, 1),
        "overlap:none": metrics(1, 0, 0, 0, 0),
        oov: metrics(1, 0, 0, 0, 0),
      },
    });
    expect(textReport(report)).toContain("overlap:none");
    expect(markdownReport(report)).toContain("| bm25 | all | 3 | 0.6667 |");
  });

  it("takes dev from the dev list and train from everything else", async () => {
    const paths = await fixture();
    const dev = await runEval({ ...paths, systems: ["bm25"], split: "dev" });
    const train = await runEval({ ...paths, systems: ["bm25"], split: "train" });
    expect(dev.systems["bm25"]!.all).toEqual(metrics(2, 0.5, 0.5, 0.5, 0.5));
    expect(train.systems["bm25"]!.all).toEqual(metrics(1, 1, 1, 1, 1));
    expect(train.queries.excluded_no_relevant).toBe(1);
    expect((await runEval({ ...paths, systems: ["bm25"], split: "all", limit: 2 })).queries.evaluated).toBe(2);
  });

  it("evaluates a Worker endpoint over HTTP, with Server-Timing as server_ms_p50", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url!, "http://x");
      seen.push(`${url.pathname} ${url.searchParams.get("q")} ${url.searchParams.get("k")}`);
      const hits = url.searchParams.get("q") === "door knob" ? [{ id: "1", title: "Red Door Knob", score: 1, spans: [] }] : [];
      res.writeHead(200, { "content-type": "application/json", "server-timing": "kv;dur=1.5, total;dur=2.25" });
      res.end(JSON.stringify({ hits }));
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const report = await runEval({ ...(await fixture()), systems: ["endpoint"], endpoint, split: "all" });
      expect(report.systems["endpoint"]!.all).toMatchObject({ n: 3, "recall@10": 0.3333, server_ms_p50: 2.25 });
      expect(seen[0]).toBe("/v1/search edgespan warm up 100");
      expect(seen).toContain("/v1/search door knob 100");
    } finally {
      server.close();
    }
  });

  it("names unknown systems and an endpoint system without a URL", async () => {
    await expect(createSystem("bm26", { products: [] })).rejects.toThrow(SystemUnavailableError);
    await expect(createSystem("endpoint", { products: [] })).rejects.toThrow(/--endpoint/);
  });
});
