/**
 * The harness's origin systems: clear errors when the origin cannot be had, and a real origin,
 * started by the harness on a smoke build of the sample's semantic artifacts, and stopped after.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/core/catalog/catalog.ts";
import { OriginSession } from "../../src/eval/origin-session.ts";
import { SystemUnavailableError, createSystem } from "../../src/eval/systems.ts";
import { PYTHON } from "../../src/node/origin-process.ts";
import { REPO_ROOT } from "../../src/node/paths.ts";

const products = parseCatalog(readFileSync(join(REPO_ROOT, "data/sample-catalog.tsv"), "utf8"), { file: "data/sample-catalog.tsv" }).products;
// npm test creates the Python environment before vitest runs; without it only the error cases run.
const hasPython = existsSync(PYTHON);
let SMOKE_ARTIFACTS = "";

beforeAll(() => {
  if (!hasPython) return;
  // Its own smoke build (64 products, about half a minute): no race with other tests' builds.
  SMOKE_ARTIFACTS = mkdtempSync(join(tmpdir(), "edgespan-eval-origin-"));
  const build = spawnSync(PYTHON, ["-m", "edgespan_ml.semantic.build", "--catalog", "sample", "--smoke", "--out", SMOKE_ARTIFACTS], { cwd: REPO_ROOT, encoding: "utf8", timeout: 600_000 });
  if (build.status !== 0) throw new Error(`smoke semantic build failed: ${build.stderr.slice(-2000)}`);
}, 600_000);
afterAll(() => {
  if (SMOKE_ARTIFACTS) rmSync(SMOKE_ARTIFACTS, { recursive: true, force: true });
});

describe("origin systems in the harness", () => {
  it("names the build command when the artifacts are missing", async () => {
    const origin = new OriginSession({ artifacts: join(REPO_ROOT, "no-such-artifacts") });
    const failure = createSystem("semantic-adaptive", { products, origin });
    await expect(failure).rejects.toBeInstanceOf(SystemUnavailableError);
    await expect(failure).rejects.toThrow(/edgespan_ml\.semantic\.build --catalog homedepot/u);
  });

  it("names the modes when hybrid+MODE has an unknown one", async () => {
    const failure = createSystem("hybrid+telepathy", { products, origin: new OriginSession({ artifacts: join(REPO_ROOT, "no-such-artifacts") }) });
    await expect(failure).rejects.toThrow(/unknown mode telepathy; modes: dense, dense-ft/u);
  });

  it("asks for ORIGIN_SECRET with --origin", async () => {
    const saved = process.env["ORIGIN_SECRET"];
    delete process.env["ORIGIN_SECRET"];
    try {
      await expect(createSystem("hybrid", { products, origin: new OriginSession({ url: "http://127.0.0.1:9" }) })).rejects.toThrow(/ORIGIN_SECRET/u);
    } finally {
      if (saved !== undefined) process.env["ORIGIN_SECRET"] = saved;
    }
  });

  it.skipIf(!hasPython)("starts an origin on the artifacts, searches through it, stops it", async () => {
    const origin = new OriginSession({ artifacts: SMOKE_ARTIFACTS });
    try {
      const dense = await createSystem("dense", { products, origin });
      const { hits } = await dense.search("black door knob", 5);
      expect(hits).toHaveLength(5);
      const ids = new Set(products.map((p) => p.id));
      for (const hit of hits) expect(ids.has(hit.id)).toBe(true);
      expect(hits.some((h) => /knob/iu.test(h.title))).toBe(true);
      // the same origin serves a fusion with fm-ngram: lexical spans and dense hits in one list
      const fused = await (await createSystem("hybrid-fm-ngram+dense", { products, origin })).search("black door knob", 10);
      expect(fused.hits).toHaveLength(10);
      expect(fused.hits.some((h) => h.spans.length > 0)).toBe(true);
      expect(fused.timings).toHaveProperty("fuse");
    } finally {
      await origin.close();
    }
  }, 120_000);

  it.skipIf(!hasPython)("hybrid+semantic-adaptive fuses lexical spans with the origin's semantic IDs", async () => {
    const origin = new OriginSession({ artifacts: SMOKE_ARTIFACTS });
    try {
      const hybrid = await createSystem("hybrid+semantic-adaptive", { products, origin });
      // k = 50: the smoke origin knows 64 products, and its list weighs 0.4, so its own finds
      // rank below lexical's first ten.
      const { hits, timings } = await hybrid.search("matte black door knob", 50);
      expect(hits).toHaveLength(50);
      expect(hits.some((h) => h.spans.length > 0)).toBe(true);
      expect(hits.some((h) => "sid" in h && Array.isArray((h as { sid?: unknown }).sid))).toBe(true);
      expect(timings).toHaveProperty("fuse");
    } finally {
      await origin.close();
    }
  }, 180_000);
});
