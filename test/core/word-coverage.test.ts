import { beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts } from "../../src/core/artifacts.ts";
import { Engine } from "../../src/core/engine.ts";
import type { FmIndex } from "../../src/core/fm/fm-index.ts";
import { indexedTokens } from "../../src/core/retrieval/span-ranking.ts";
import { modelFreeRetriever } from "../../src/core/retrieval/strategies.ts";
import { WordCoverage } from "../../src/core/retrieval/word-coverage.ts";
import { MemoryBlobStore } from "../../src/core/storage/blob-store.ts";
import { ChunkCache } from "../../src/core/storage/chunk-cache.ts";
import { publish } from "../../src/core/storage/publish.ts";
import { SPECIALS, WordPieceTokenizer } from "../../src/core/tokenizer/wordpiece.ts";

const VOCAB = [...SPECIALS, "gfci", "gf", "circuit", "breaker", "rechargeable", "battery", "batteries", "light", "lights", "cleaning", "machine", "2", "4", "x", "##s", "##ci", "##i", "##ale"];
const TITLES = ["GFCI Circuit Breaker", "Circuit Breaker", "Rechargeable Battery", "Light 2 x 4", "Breaker Lights", "Circuit Light", "Floor Cleaning Machine"];

describe("WordCoverage", () => {
  let tokenizer: WordPieceTokenizer;
  let index: FmIndex;
  let N: number;
  const coverage = (query: string) => new WordCoverage(tokenizer, index, tokenizer.words(query), N);

  beforeAll(async () => {
    tokenizer = new WordPieceTokenizer(VOCAB);
    const built = await buildArtifacts(TITLES.map((title, i) => ({ id: `p${i}`, title })), { tokenizer });
    const store = new MemoryBlobStore();
    await publish(store, built.manifest, built.chunks);
    const engine = await Engine.open(new ChunkCache(store), built.manifest);
    await engine.index.loadAll();
    index = engine.index;
    N = indexedTokens(engine);
  });

  it("weighs a word the title has by its inverse catalog frequency", () => {
    const c = coverage("gfci breaker");
    const gfci = Math.log((N + 1) / 1);
    const breaker = Math.log((N + 1) / 3); // three titles
    expect(c.score("GFCI Circuit Breaker")).toBeCloseTo(gfci + breaker, 10);
    expect(c.score("Breaker Lights")).toBeCloseTo(breaker, 10);
    expect(c.score("Rechargeable Battery")).toBe(0);
  });

  it("counts a title word that starts with the query word, or is a typo away, at 0.9", () => {
    const prefix = coverage("gfc"); // found nowhere: the rarest weight
    expect(prefix.score("GFCI Circuit Breaker")).toBeCloseTo(0.9 * Math.log(N + 1), 10);
    const typo = coverage("rechargale");
    expect(typo.score("Rechargeable Battery")).toBeCloseTo(0.9 * Math.log(N + 1), 10);
    expect(typo.score("Circuit Light")).toBe(0);
  });

  it("counts a title word with the same stem at 0.5", () => {
    const c = coverage("cleaner");
    expect(c.score("Floor Cleaning Machine")).toBeCloseTo(0.5 * Math.log(N + 1), 10); // "clean" + 2 / + 3 letters
    expect(coverage("cle").score("Floor Cleaning Machine")).toBeCloseTo(0.9 * Math.log(N + 1), 10); // a prefix, not a stem
    expect(coverage("clearance").score("Floor Cleaning Machine")).toBe(0); // "clea" shared, but 5 letters apart
  });

  it("takes a word's best match in the title, once", () => {
    const c = coverage("light light");
    const light = Math.log((N + 1) / 2); // "lights" is a piece of its own
    expect(c.score("Light Lights Light")).toBeCloseTo(light, 10); // exact beats the "lights" prefix; counted once
  });

  it("matches words with a digit exactly only", () => {
    const c = coverage("24");
    expect(c.score("Light 2 x 4")).toBe(0);
    expect(c.score("Light 24")).toBeGreaterThan(0);
  });
});

describe("word coverage in the model-free strategies", () => {
  it("fm-ngram ranks a title with another form of a query word first; fm-ngram-seal does not look", async () => {
    // Word tokenizer (the default): "knobs" is a word no title has; both titles match "black".
    const titles = ["Black Bracket", "Black Knob", "White Hinge", "Brass Hook", "Steel Shelf"];
    const built = await buildArtifacts(titles.map((title, i) => ({ id: `p${i}`, title })));
    const store = new MemoryBlobStore();
    await publish(store, built.manifest, built.chunks);
    const engine = await Engine.open(new ChunkCache(store), built.manifest);
    const ids = async (strategy: "fm-ngram" | "fm-ngram-seal") => (await modelFreeRetriever(engine, strategy).search("black knobs", 2)).hits.map((h) => h.id);
    expect(await ids("fm-ngram")).toEqual(["p1", "p0"]); // "knobs" is a typo away from "knob"
    expect(await ids("fm-ngram-seal")).toEqual(["p0", "p1"]); // a tie on "black", in catalog order
  });
});
