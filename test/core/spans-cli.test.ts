/**
 * `edgespan spans`: what a span model writes for judged queries, the file distillation and DPO
 * train from. Run on the tiny fixture model and catalog, through the CLI as the pipeline calls it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/eval/harness.ts";
import { TINY_QUERIES } from "../support/tiny-lexical.ts";
import { TINY_TITLES, TINY_VOCAB } from "../support/tiny-span-model.ts";

const MODEL = resolve(REPO_ROOT, "test/fixtures/tiny-span-model");

function cli(...args: string[]) {
  const tsx = resolve(REPO_ROOT, "node_modules/.bin/tsx");
  const r = spawnSync(tsx, ["bin/edgespan.ts", "spans", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("edgespan spans", () => {
  let dir: string;
  let inputs: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "edgespan-spans-"));
    writeFileSync(join(dir, "tokenizer.txt"), ["wordpiece-v1", ...TINY_VOCAB].join("\n") + "\n");
    writeFileSync(join(dir, "products.tsv"), ["product_id\ttitle", ...TINY_TITLES.map((t, i) => `p${i}\t${t}`)].join("\n") + "\n");
    const judged = TINY_QUERIES.map((q, i) => `${q}\tp${i}\t3`);
    writeFileSync(join(dir, "judgments.tsv"), ["query\tproduct_id\trelevance", ...judged].join("\n") + "\n");
    inputs = ["--tokenizer", join(dir, "tokenizer.txt"), "--products", join(dir, "products.tsv"), "--judgments", join(dir, "judgments.tsv"), "--split", "all"];
  });

  it("writes every query's constrained hypotheses with the products that hold all their spans", () => {
    const out = join(dir, "spans.jsonl");
    const r = cli("--model", MODEL, "--out", out, "--beam", "3", ...inputs);
    expect(r.stderr).toContain(`${TINY_QUERIES.length} queries`);
    expect(r.code).toBe(0);
    const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((row) => row.query).sort()).toEqual([...TINY_QUERIES].sort());
    const titles = new Map(TINY_TITLES.map((t, i) => [`p${i}`, t.toLowerCase()]));
    let checked = 0;
    for (const row of rows) {
      expect(row.hypotheses.length).toBeGreaterThan(0);
      expect(row.hypotheses.length).toBeLessThanOrEqual(3);
      for (const h of row.hypotheses) {
        expect(h.text).toHaveLength(h.spans.length);
        expect(Number.isFinite(h.logProb) && h.logProb < 0).toBe(true);
        // Each listed product holds every span; and every title holding them all is listed.
        const holding = [...titles].filter(([, title]) => h.text.every((span: string) => title.includes(span)));
        expect(h.products.sort()).toEqual(holding.map(([id]) => id).sort());
        checked += h.products.length;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("decodes the queries of a --queries file over any catalog, without judgments", () => {
    writeFileSync(join(dir, "queries.tsv"), "# a comment\nquery\tcount\nwhite paint\t3\nblack door knob\t1\n");
    const out = join(dir, "from-file.jsonl");
    const r = cli("--model", MODEL, "--out", out, "--tokenizer", join(dir, "tokenizer.txt"), "--products", join(dir, "products.tsv"), "--queries", join(dir, "queries.tsv"));
    expect(r.code).toBe(0);
    const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((row) => row.query)).toEqual(["white paint", "black door knob"]);
    expect(rows.every((row) => row.hypotheses.length > 0)).toBe(true);
  });

  it("names the missing or bad flag with exit code 2", () => {
    expect(cli("--out", "x.jsonl").stderr).toContain("--model");
    const noModel = cli("--model", "/no/such/model", "--out", "x.jsonl");
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain("--model: file not found: /no/such/model/model.json");
    const beam = cli("--model", MODEL, "--out", join(dir, "x.jsonl"), "--beam", "99", ...inputs);
    expect(beam.code).toBe(2);
    expect(beam.stderr).toContain("--beam");
  });
});
