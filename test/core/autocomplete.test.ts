import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts } from "../../src/core/artifacts.ts";
import { autocomplete, MAX_SUGGESTIONS } from "../../src/core/autocomplete/autocomplete.ts";
import { parsePrefix } from "../../src/core/autocomplete/prefix.ts";
import { QueryIndex } from "../../src/core/autocomplete/query-index.ts";
import { parseQueryLog, QueryLogError } from "../../src/core/autocomplete/query-log.ts";
import { titlePhrases } from "../../src/core/autocomplete/title-phrases.ts";
import type { Product } from "../../src/core/catalog/product.ts";
import { Engine } from "../../src/core/engine.ts";
import { MemoryBlobStore } from "../../src/core/storage/blob-store.ts";
import { ChunkCache } from "../../src/core/storage/chunk-cache.ts";
import { parseManifest } from "../../src/core/storage/manifest.ts";
import { publish, readManifest } from "../../src/core/storage/publish.ts";
import { SPECIALS, WordPieceTokenizer } from "../../src/core/tokenizer/wordpiece.ts";
import { WordTokenizer, words } from "../../src/core/tokenizer/word-tokenizer.ts";
import { loadCatalogFile } from "../../src/node/catalog-file.ts";

const SAMPLE = fileURLToPath(new URL("../../data/sample-catalog.tsv", import.meta.url));
const SAMPLE_QUERIES = fileURLToPath(new URL("../../data/sample-queries.tsv", import.meta.url));

let products: Product[];
let engine: Engine;

async function open(built: Awaited<ReturnType<typeof buildArtifacts>>): Promise<{ engine: Engine; store: MemoryBlobStore }> {
  const store = new MemoryBlobStore();
  await publish(store, built.manifest, built.chunks);
  const manifest = (await readManifest(store))!;
  return { engine: await Engine.open(new ChunkCache(store, 1 << 24), manifest), store };
}

beforeAll(async () => {
  products = (await loadCatalogFile(SAMPLE)).products;
  const queries = parseQueryLog(await readFile(SAMPLE_QUERIES, "utf8"), SAMPLE_QUERIES);
  engine = (await open(await buildArtifacts(products, { chunkSize: 1024, queries }))).engine;
});

describe("parseQueryLog", () => {
  it("reads TSV and plain lines, skips comments and the header, adds up normalized duplicates", () => {
    const log = parseQueryLog("# a comment\nquery\tcount\nDoor Knob\t5\ndoor  knob\t2\ngarden hose\n\nhose\t1\r\n", "q.tsv");
    expect(log).toEqual([
      { text: "door knob", count: 7 },
      { text: "garden hose", count: 1 },
      { text: "hose", count: 1 },
    ]);
  });

  it("names the file and line of malformed lines", () => {
    const bad = "door knob\t5\nhose\tmany\n\t3\na\tb\tc\nok\t0\n" + "x".repeat(300) + "\t1\n";
    let error: unknown;
    try {
      parseQueryLog(bad, "q.tsv");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueryLogError);
    const message = (error as Error).message;
    expect(message).toContain('q.tsv:2: count must be a whole number');
    expect(message).toContain("q.tsv:3: empty query");
    expect(message).toContain("q.tsv:4: expected");
    expect(message).toContain("q.tsv:5: count must be");
    expect(message).toContain("q.tsv:6: query longer than 256");
  });
});

describe("parsePrefix", () => {
  it.each([
    ["door kn", ["door"], "kn", "door kn"],
    ["Door  Knob ", ["door", "knob"], "", "door knob "],
    ["door", [], "door", "door"],
    ["3/", [], "3", "3/"],
    ["1/2 in.", ["1/2", "in"], "", "1/2 in."],
    ["l-sh", ["l"], "sh", "l-sh"],
    ["   ", [], "", ""],
    ["knob,", ["knob"], "", "knob,"],
  ])("%j → complete %j, partial %j", (q, complete, partial, queryPrefix) => {
    const p = parsePrefix(q);
    expect(p.complete).toEqual(complete);
    expect(p.partial).toBe(partial);
    expect(p.queryPrefix).toBe(queryPrefix);
  });
});

describe("QueryIndex", () => {
  const log = [
    { text: "door knob", count: 50 },
    { text: "door knobs", count: 5 },
    { text: "door stop", count: 20 },
    { text: "doormat", count: 30 },
    { text: "deck screw", count: 40 },
    { text: "Door Knob", count: 10 }, // same query, other spelling: adds up
    { text: "garden hose", count: 7 },
  ];
  const idx = QueryIndex.build(log, { topK: 3, scanLimit: 3 });

  it("finds the contiguous range of a prefix", () => {
    expect(idx.size).toBe(6);
    const r = idx.range("door");
    expect(r.hi - r.lo).toBe(4);
    expect(idx.range("door ").hi - idx.range("door ").lo).toBe(3);
    expect(idx.range("zz").hi - idx.range("zz").lo).toBe(0);
    expect(idx.range("a").hi - idx.range("a").lo).toBe(0);
  });

  it("ranks by count, with range totals", () => {
    const l = idx.complete("door ", 5);
    expect(l.matches).toEqual([
      { text: "door knob", count: 60 },
      { text: "door stop", count: 20 },
      { text: "door knobs", count: 5 },
    ]);
    expect(l.rangeSize).toBe(3);
    expect(l.rangeCount).toBe(85);
    expect(idx.complete("door", 2).matches.map((m) => m.text)).toEqual(["door knob", "doormat"]);
    expect(idx.complete("", 5).matches).toEqual([]);
  });

  it("answers heavy prefixes from precomputed lists, scanning at most scanLimit entries", async () => {
    // 20,000 queries starting with "a": a scan would touch them all.
    const big = Array.from({ length: 20_000 }, (_, i) => ({ text: `a${i.toString(36)} thing`, count: 1 + ((i * 7919) % 1000) }));
    const heavyIdx = QueryIndex.build(big, { topK: 20, scanLimit: 64 });
    expect(heavyIdx.heavyPrefixCount).toBeGreaterThan(0);
    const brute = (prefix: string, k: number) =>
      big
        .filter((q) => q.text.startsWith(prefix))
        .sort((x, y) => y.count - x.count || x.text.length - y.text.length || (x.text < y.text ? -1 : 1))
        .slice(0, k)
        .map((q) => q.text);
    for (const prefix of ["a", "a1", "a1z", "a1z3", "ab c", "a5k thing", "b"]) {
      const l = heavyIdx.complete(prefix, 10);
      expect(l.scanned).toBeLessThanOrEqual(64);
      expect(l.matches.map((m) => m.text)).toEqual(brute(prefix, 10));
    }
    // the serialized form round-trips, lists included
    const loaded = await QueryIndex.load(await heavyIdx.serialize());
    expect(loaded.size).toBe(heavyIdx.size);
    expect(loaded.heavyPrefixCount).toBe(heavyIdx.heavyPrefixCount);
    for (const prefix of ["a", "a1", "a5k"]) expect(loaded.complete(prefix, 20)).toEqual(heavyIdx.complete(prefix, 20));
  });

  it("rejects a corrupt artifact", async () => {
    await expect(QueryIndex.load(new Uint8Array([1, 2, 3]))).rejects.toThrow(/queries/u);
  });
});

describe("WordTokenizer.idsWithPrefix", () => {
  const tok = WordTokenizer.train(["door knob", "door stop", "door knob", "doormat", "deck", "garden hose", "door"]);
  it("lists words with the prefix, most frequent first, at most limit", () => {
    const wordsOf = (ids: number[]) => ids.map((id) => tok.decode([id]));
    expect(wordsOf(tok.idsWithPrefix("do", 10))).toEqual(["door", "doormat"]);
    expect(wordsOf(tok.idsWithPrefix("d", 2))).toEqual(["door", "deck"]);
    expect(wordsOf(tok.idsWithPrefix("d", 2))).toEqual(["door", "deck"]); // memoized answer is not shared
    expect(tok.idsWithPrefix("x", 5)).toEqual([]);
    expect(tok.idsWithPrefix("", 2)).toEqual([1, 2]);
    expect(tok.idsWithPrefix("d", 0)).toEqual([]);
  });
});

describe("title phrases", () => {
  it("completes the partial word after the context, by count, and grows dominant continuations", async () => {
    const { phrases } = await titlePhrases(engine.index, engine.tokenizer as WordTokenizer, parsePrefix("passage door k"), 5);
    expect(phrases[0]!.text).toBe("passage door knob");
    const all = products.filter((p) => words(p.title).join(" ").includes("passage door knob")).length;
    expect(phrases[0]!.count).toBe(all);
    // "door" is always followed by "knob" in the sample: the phrase grows to it
    const grown = await titlePhrases(engine.index, engine.tokenizer as WordTokenizer, parsePrefix("passage d"), 5);
    expect(grown.phrases[0]!.text).toBe("passage door knob");
  });

  it("completes a lone partial word by catalog frequency", async () => {
    const { phrases } = await titlePhrases(engine.index, engine.tokenizer as WordTokenizer, parsePrefix("bra"), 5);
    expect(phrases.length).toBeGreaterThan(0);
    for (const p of phrases) expect(p.text.startsWith("bra")).toBe(true);
    const counts = phrases.map((p) => p.count);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
  });

  it("backs off to the longest known context and gives nothing after an unknown word", async () => {
    const backed = await titlePhrases(engine.index, engine.tokenizer as WordTokenizer, parsePrefix("northwind garden h"), 5);
    expect(backed.phrases[0]!.text).toBe("northwind garden hose");
    expect((await titlePhrases(engine.index, engine.tokenizer as WordTokenizer, parsePrefix("zzqq h"), 5)).phrases).toEqual([]);
  });
});

describe("autocomplete", () => {
  it("merges past queries and title phrases, deduplicated and ranked", async () => {
    const { suggestions } = await autocomplete(engine, "door k", 8);
    expect(suggestions.length).toBeGreaterThan(0);
    const keys = suggestions.map((s) => words(s.text).join(" "));
    expect(new Set(keys).size).toBe(keys.length);
    expect(suggestions[0]).toMatchObject({ text: "door knob", source: "query" }); // logged and in titles
    const scores = suggestions.map((s) => s.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const s of suggestions) expect(s.text.startsWith("door k")).toBe(true);
  });

  it("uses title phrases where no logged query matches", async () => {
    const { suggestions } = await autocomplete(engine, "tidewater matte black p", 5);
    expect(suggestions.length).toBeGreaterThan(0);
    expect(suggestions.every((s) => s.source === "title")).toBe(true);
    expect(suggestions[0]!.text).toBe("tidewater matte black passage door knob");
  });

  it("scores a query found by both sources with both terms", async () => {
    const onlyTitles = await autocomplete({ index: engine.index, tokenizer: engine.tokenizer }, "cabinet p", 5);
    const both = await autocomplete(engine, "cabinet p", 5);
    const t = onlyTitles.suggestions.find((s) => s.text === "cabinet pull")!;
    const b = both.suggestions.find((s) => s.text === "cabinet pull")!;
    expect(t.source).toBe("title");
    expect(b.source).toBe("query");
    expect(b.score).toBeGreaterThan(t.score);
  });

  it("handles empty, unknown and oversized input, and bounds k", async () => {
    expect((await autocomplete(engine, "", 5)).suggestions).toEqual([]);
    expect((await autocomplete(engine, "   ", 5)).suggestions).toEqual([]);
    expect((await autocomplete(engine, "zzqqxx", 5)).suggestions).toEqual([]);
    expect((await autocomplete(engine, "d", 1)).suggestions).toHaveLength(1);
    const long = `door ${"knob ".repeat(50)}`.slice(0, 256);
    expect((await autocomplete(engine, long, MAX_SUGGESTIONS)).suggestions.length).toBeLessThanOrEqual(MAX_SUGGESTIONS);
    await expect(autocomplete(engine, "a".repeat(257), 5)).rejects.toThrow(RangeError);
    await expect(autocomplete(engine, "door", 0)).rejects.toThrow(RangeError);
    await expect(autocomplete(engine, "door", 21)).rejects.toThrow(RangeError);
  });

  it("does bounded work for every prefix of every sample title", async () => {
    for (const p of products.slice(0, 60)) {
      const title = p.title.toLowerCase();
      for (let i = 1; i <= title.length; i++) {
        const r = await autocomplete(engine, title.slice(0, i), 8);
        expect(r.work.queriesScanned).toBeLessThanOrEqual(engine.queries!.scanLimit);
        expect(r.work.titleCandidates).toBeLessThanOrEqual(4096);
        expect(r.suggestions.length).toBeLessThanOrEqual(8);
      }
    }
  });
});

describe("queries artifact", () => {
  it("is optional: old manifests parse and open without it", async () => {
    const built = await buildArtifacts(products, { chunkSize: 4096 });
    expect(built.manifest.artifacts.queries).toBeUndefined();
    expect(parseManifest(JSON.stringify(built.manifest)).artifacts.queries).toBeUndefined();
    const { engine: plain } = await open(built);
    expect(plain.queries).toBeUndefined();
    expect((await autocomplete(plain, "door k", 3)).suggestions.every((s) => s.source === "title")).toBe(true);
  });

  it("is validated when present, and changes the version", async () => {
    const plain = await buildArtifacts(products, { chunkSize: 4096 });
    const withLog = await buildArtifacts(products, { chunkSize: 4096, queries: [{ text: "door knob", count: 3 }] });
    expect(withLog.manifest.version).not.toBe(plain.manifest.version);
    expect(withLog.stats.queries).toBe(1);
    const broken = { ...withLog.manifest, artifacts: { ...withLog.manifest.artifacts, queries: { ...withLog.manifest.artifacts.queries!, bytes: 1 } } };
    expect(() => parseManifest(JSON.stringify(broken))).toThrow(/artifact "queries"/u);
  });

  it("opens in the same round trip as the other headers", async () => {
    const built = await buildArtifacts(products, { chunkSize: 1024, queries: [{ text: "door knob", count: 3 }] });
    const store = new MemoryBlobStore();
    await publish(store, built.manifest, built.chunks);
    const manifest = (await readManifest(store))!;
    const before = store.roundTrips;
    const e = await Engine.open(new ChunkCache(store, 1 << 24), manifest);
    expect(store.roundTrips - before).toBe(1);
    expect(e.queries?.complete("door", 5).matches).toEqual([{ text: "door knob", count: 3 }]);
  });
});

describe("title phrases over a WordPiece index (words of several pieces)", () => {
  const vocab = [...SPECIALS, "black", "cord", "##less", "drill", "kit", "reel", "white", "20v", "c", "##o", "##r", "##d"];
  const tokenizer = new WordPieceTokenizer(vocab);
  let wp: Engine;
  beforeAll(async () => {
    const titles = ["Black Cordless Drill", "Black Cordless Drill Kit", "White Cordless Drill", "Cord Reel", "Black Cord Reel"];
    const built = await buildArtifacts(titles.map((title, i) => ({ id: `w${i}`, title })), { tokenizer, chunkSize: 1024 });
    wp = (await open(built)).engine;
  });
  const texts = async (q: string) => (await titlePhrases(wp.index, tokenizer, parsePrefix(q), 5)).phrases.map((p) => p.text);

  it("completes a word typed past its first piece (cordl → cord + ##less)", async () => {
    expect(tokenizer.encode("cordless")).toEqual([tokenizer.encode("cord")[0], tokenizer.encode("cordless")[1]]);
    expect(await texts("cordl")).toEqual(["cordless"]);
  });

  it("alone, a word is completed to its end and no further; after context, phrases grow", async () => {
    // "cord" alone: "cordless" (3 titles) and "cord" (2) are separate words; neither grows into "drill"
    expect(await texts("cor")).toEqual(["cordless", "cord"]);
    expect(await texts("black cor")).toEqual(["black cordless drill", "black cord reel"]);
  });

  it("uses context words of several pieces", async () => {
    expect(await texts("cordless d")).toEqual(["cordless drill"]);
    expect(await texts("cordless x")).toEqual([]);
  });
});
