/**
 * The span model's tokenizer exists twice (Python trains and feeds the model, TypeScript serves):
 * both must give identical ids for every catalog title and query, or spans the model writes would
 * not be found in the index.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/core/catalog/catalog.ts";
import { WordPieceTokenizer } from "../../src/core/tokenizer/wordpiece.ts";
import { REPO_ROOT, homedepotDir } from "../../src/node/paths.ts";

const PYTHON = join(REPO_ROOT, ".venv/bin/python");
const TOKENIZER = join(REPO_ROOT, "wasm/tokenizer.txt");
const haveVenv = existsSync(PYTHON);
if (!haveVenv && process.env.CI) throw new Error(".venv is missing: npm test creates it (scripts/python-env.sh)");

function pythonIds(texts: string[]): number[][] {
  const out = execFileSync(PYTHON, ["-m", "edgespan_ml.tokenizer", "encode", "--tokenizer", TOKENIZER], {
    cwd: REPO_ROOT,
    input: texts.join("\n") + "\n",
    maxBuffer: 256 * 1024 * 1024,
    encoding: "utf8",
  });
  return out.trimEnd().split("\n").map((l) => JSON.parse(l) as number[]);
}

function compare(texts: string[]): { mismatches: { text: string; py: number[]; ts: number[] }[] } {
  const tok = WordPieceTokenizer.load(readFileSync(TOKENIZER));
  const py = pythonIds(texts);
  expect(py).toHaveLength(texts.length);
  const mismatches = texts
    .map((text, i) => ({ text, py: py[i]!, ts: tok.encode(text) }))
    .filter((m) => m.py.join() !== m.ts.join());
  return { mismatches };
}

describe.skipIf(!haveVenv)("WordPiece parity, Python and TypeScript", () => {
  it("agrees on tricky text: scripts, marks, case folding, fractions, long words", () => {
    const alphabet = ["a", "Z", "é", "É", "ß", "İ", "ı", "Σ", "ς", "ﬁ", "Ｆ", "٣", "½", "1", "/", ".", "-", " ", "\u0301", "𝔸", "ю", "中", "x"];
    const texts = fc.sample(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 40 }).map((cs) => cs.join("")), { numRuns: 1500, seed: 7 });
    texts.push("a".repeat(65), "1-1/2 in. x 3.5 ft.", "ΟΔΟΣ Σ", "WHITE door-knob");
    const { mismatches } = compare(texts.map((t) => t.replace(/\s/gu, " ")));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  const hd = homedepotDir();
  it.skipIf(!existsSync(join(hd, "products.tsv")))("agrees on every Home Depot title and dev query", () => {
    const titles = parseCatalog(readFileSync(join(hd, "products.tsv"), "utf8"), { file: "products.tsv" }).products.map((p) => p.title);
    const queries = readFileSync(join(REPO_ROOT, "data/homedepot-dev-queries.txt"), "utf8")
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"));
    const { mismatches } = compare([...titles, ...queries]);
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(titles.length + queries.length).toBeGreaterThan(56_000);
  });
});
