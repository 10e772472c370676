import { beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts } from "../../src/core/artifacts.ts";
import { Engine } from "../../src/core/engine.ts";
import { QueryRewriter, inflections, queryRewriter } from "../../src/core/retrieval/query-rewrites.ts";
import { modelFreeRetriever } from "../../src/core/retrieval/strategies.ts";
import { spanStarts } from "../../src/core/retrieval/span-starts.ts";
import { TypoCorrector, editDistance } from "../../src/core/retrieval/typos.ts";
import { MemoryBlobStore } from "../../src/core/storage/blob-store.ts";
import { ChunkCache } from "../../src/core/storage/chunk-cache.ts";
import { publish } from "../../src/core/storage/publish.ts";
import { SPECIALS, WordPieceTokenizer } from "../../src/core/tokenizer/wordpiece.ts";

const chars = (s: string) => Array.from(s);

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps as one edit each", () => {
    expect(editDistance(chars("garden"), chars("garden"), 2)).toBe(0);
    expect(editDistance(chars("gaden"), chars("garden"), 2)).toBe(1);
    expect(editDistance(chars("gardens"), chars("garden"), 2)).toBe(1);
    expect(editDistance(chars("gardan"), chars("garden"), 2)).toBe(1);
    expect(editDistance(chars("hoes"), chars("hose"), 2)).toBe(1); // a swap, two Levenshtein edits
    expect(editDistance(chars("toliet"), chars("toilet"), 2)).toBe(1);
    expect(editDistance(chars(""), chars("abc"), 3)).toBe(3);
  });

  it("answers anything above the bound once the distance must exceed it", () => {
    expect(editDistance(chars("knob"), chars("ceiling"), 1)).toBeGreaterThan(1);
    expect(editDistance(chars("ab"), chars("abcdef"), 2)).toBeGreaterThan(2); // lengths alone decide
  });
});

describe("inflections", () => {
  it("gives singular and plural forms to try", () => {
    expect(inflections("knob")).toEqual(expect.arrayContaining(["knobs"]));
    expect(inflections("knobs")).toEqual(expect.arrayContaining(["knob"]));
    expect(inflections("boxes")).toEqual(expect.arrayContaining(["box"]));
    expect(inflections("battery")).toEqual(expect.arrayContaining(["batteries"]));
    expect(inflections("batteries")).toEqual(expect.arrayContaining(["battery"]));
    expect(inflections("glass")).not.toContain("glas");
    expect(inflections("2x4")).toEqual([]);
    expect(inflections("in")).toEqual([]);
  });
});

// A vocabulary where plurals are pieces of their own, as frequent ones are in the real one.
const VOCAB = [...SPECIALS, "black", "white", "garden", "hose", "door", "knob", "knobs", "battery", "batteries", "aa", "pack", "50", "ft", "sheet", "rock", "sheetrock", "panel", "##s", "##er"];
const TITLES = ["Black Door Knob", "White Door Knobs", "Garden Hose 50 ft", "AA Batteries 4 Pack", "Black Garden Hose", "Sheetrock Panel"];

async function open(tokenizer?: WordPieceTokenizer): Promise<Engine> {
  const built = await buildArtifacts(TITLES.map((title, i) => ({ id: `p${i}`, title })), { ...(tokenizer && { tokenizer }) });
  const store = new MemoryBlobStore();
  await publish(store, built.manifest, built.chunks);
  return Engine.open(new ChunkCache(store), built.manifest);
}

describe("QueryRewriter", () => {
  let tokenizer: WordPieceTokenizer;
  let typos: TypoCorrector;
  let rewriter: QueryRewriter;
  let engine: Engine;
  const word = (text: string) => tokenizer.words(text)[0]!;

  beforeAll(async () => {
    tokenizer = new WordPieceTokenizer(VOCAB);
    engine = await open(tokenizer);
    const { index } = engine;
    const starts = spanStarts(index, tokenizer);
    typos = new TypoCorrector(index, tokenizer, starts);
    rewriter = new QueryRewriter(index, tokenizer, starts, { typoTolerance: true, variantWeight: 0.5 });
  });

  it("corrects a word found in no title to the closest catalog word", () => {
    expect(typos.correction(word("gaden"))).toEqual({ text: "garden", id: tokenizer.encode("garden")[0] });
    expect(typos.correction(word("blakc"))?.text).toBe("black"); // a swap
    for (const known of ["garden", "knobs"]) expect(typos.correction(word(known))).toBeUndefined();
    for (const alone of ["ab", "5o", "zzzzzzzz"]) expect(typos.correction(word(alone))).toBeUndefined(); // short, a digit, nothing close
  });

  it("rewrites the query with two words joined or one split, where the catalog has the words", () => {
    expect(rewriter.rewrite("sheet rock panel", 32).rewrites).toEqual([{ ids: tokenizer.encode("sheetrock panel"), weight: 0.5 }]);
    expect(rewriter.rewrite("black doorknob", 32).rewrites).toEqual([{ ids: tokenizer.encode("black door knob"), weight: 0.5 }]);
  });

  it("rewrites the query with its typos corrected, and each word made singular or plural", () => {
    const { rewrites, corrections } = rewriter.rewrite("blakc door knob", 32);
    expect(corrections).toEqual([{ from: "blakc", to: "black" }]);
    expect(rewrites).toEqual([
      { ids: tokenizer.encode("black door knob"), weight: 1 },
      { ids: tokenizer.encode("black door knobs"), weight: 0.5 },
    ]);
    expect(rewriter.rewrite("aa battery", 32).rewrites).toEqual([{ ids: tokenizer.encode("aa batteries"), weight: 0.5 }]);
    expect(rewriter.rewrite("garden hose", 32)).toEqual({ rewrites: [], corrections: [] }); // "hoses" is no catalog word
  });

  it("stops before the word that would exceed the token budget", () => {
    expect(rewriter.rewrite("door knob gaden", 2).rewrites).toEqual([{ ids: tokenizer.encode("door knobs"), weight: 0.5 }]);
    expect(rewriter.rewrite("door knob gaden", 0)).toEqual({ rewrites: [], corrections: [] });
  });
});

describe("the model-free strategies and the query rewrites", () => {
  it("fm-ngram searches a WordPiece index's rewrites too and says what it corrected; fm-ngram-seal does not", async () => {
    const engine = await open(new WordPieceTokenizer(VOCAB)); // "gaden" is [UNK] here, as "4" in a title
    const fm = await modelFreeRetriever(engine, "fm-ngram").search("gaden hose", 5);
    expect(fm.corrections).toEqual([{ from: "gaden", to: "garden" }]);
    // Not "AA Batteries 4 Pack": an unknown query word is no evidence for a title's unknown "4".
    expect(fm.hits.map((h) => h.title).sort()).toEqual(["Black Garden Hose", "Garden Hose 50 ft"]);
    for (const hit of fm.hits) expect(hit.spans.map((m) => m.text)).toContain("garden hose"); // the corrected query's bigram
    const seal = await modelFreeRetriever(engine, "fm-ngram-seal").search("gaden hose", 5);
    expect(seal.corrections).toBeUndefined();
    expect(seal.hits.map((h) => h.title).sort()).toEqual(["Black Garden Hose", "Garden Hose 50 ft"]);
    for (const hit of seal.hits) expect(hit.spans.map((m) => m.text)).toEqual(["hose"]);
    expect(modelFreeRetriever(engine, "fm-ngram")).toBe(modelFreeRetriever(engine, "fm-ngram")); // made once per engine
  });

  it("has nothing to rewrite on a word index (no pieces) or when no rewrite is asked for", async () => {
    const words = await open();
    expect(queryRewriter(words, { typoTolerance: true, variantWeight: 0.5 })).toBeUndefined();
    expect((await modelFreeRetriever(words, "fm-ngram").search("gaden hose", 5)).corrections).toBeUndefined();
    const pieces = await open(new WordPieceTokenizer(VOCAB));
    expect(queryRewriter(pieces, { typoTolerance: false, variantWeight: 0 })).toBeUndefined();
    expect(queryRewriter(pieces, { typoTolerance: true, variantWeight: 0 })).toBeInstanceOf(QueryRewriter);
  });
});
