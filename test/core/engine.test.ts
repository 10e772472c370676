import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type BuiltArtifacts, buildArtifacts } from "../../src/core/artifacts.ts";
import type { Product } from "../../src/core/catalog/product.ts";
import { Engine } from "../../src/core/engine.ts";
import { MissingSuperblocks } from "../../src/core/fm/fm-index.ts";
import { FmNgramRetriever } from "../../src/core/retrieval/fm-ngram.ts";
import { MemoryBlobStore } from "../../src/core/storage/blob-store.ts";
import { ChunkCache } from "../../src/core/storage/chunk-cache.ts";
import { CURRENT_MANIFEST_KEY, manifestKey } from "../../src/core/storage/manifest.ts";
import { publish, readManifest } from "../../src/core/storage/publish.ts";
import { words } from "../../src/core/tokenizer/word-tokenizer.ts";
import { loadCatalogFile } from "../../src/node/catalog-file.ts";

const SAMPLE = fileURLToPath(new URL("../../data/sample-catalog.tsv", import.meta.url));

/** Small chunks, so every artifact spans several and "one round trip" means something. */
const CHUNK_SIZE = 1024;

let products: Product[];
let built: BuiltArtifacts;

beforeAll(async () => {
  products = (await loadCatalogFile(SAMPLE)).products;
  built = await buildArtifacts(products, { chunkSize: CHUNK_SIZE, source: "sample-catalog.tsv" });
});

async function publishedStore(b: BuiltArtifacts): Promise<MemoryBlobStore> {
  const store = new MemoryBlobStore();
  await publish(store, b.manifest, b.chunks);
  return store;
}

const search = async (engine: Engine, query: string, k = 5): Promise<string[]> =>
  (await new FmNgramRetriever(engine).search(query, k)).hits.map((h) => h.id);

describe("buildArtifacts", () => {
  it("describes the catalog in the manifest and stats", () => {
    const { manifest, stats, chunks } = built;
    expect(manifest.catalog).toEqual({ products: 600, tokens: stats.tokens, source: "sample-catalog.tsv" });
    expect(stats.tokens).toBe(products.reduce((n, p) => n + words(p.title).length, 0));
    expect(stats.truncatedTitles).toBe(0);
    expect(stats.titlesWithoutTokens).toBe(0);
    expect(manifest.tokenizer).toEqual({ kind: "word-v1", vocabSize: stats.vocabSize });
    for (const a of Object.values(manifest.artifacts)) {
      expect(a.chunkSize).toBe(CHUNK_SIZE);
      for (const c of a.chunks) expect(chunks.get(c.hash)?.length).toBe(c.size);
    }
    expect(manifest.artifacts.index.chunks.length).toBeGreaterThan(1);
    expect(manifest.artifacts.docs.chunks.length).toBeGreaterThan(1);
  });

  it("derives the version from the content: same catalog, same version; another catalog, another", async () => {
    const again = await buildArtifacts(products, { chunkSize: CHUNK_SIZE });
    expect(again.manifest.version).toBe(built.manifest.version);
    const fewer = await buildArtifacts(products.slice(1), { chunkSize: CHUNK_SIZE });
    expect(fewer.manifest.version).not.toBe(built.manifest.version);
  });
});

describe("Engine.open", () => {
  it("costs exactly one store round trip after the manifest is read", async () => {
    const store = await publishedStore(built);
    const manifest = await readManifest(store);
    expect(manifest).toEqual(built.manifest);
    store.roundTrips = 0;
    const cache = new ChunkCache(store);
    const engine = await Engine.open(cache, manifest!);
    expect(store.roundTrips).toBe(1);
    expect(cache.stats.fetches).toBe(1);
    expect(engine.manifest).toBe(manifest);
  });

  it("fetches a small catalog whole and decodes its index, so queries need no further store call", async () => {
    const store = await publishedStore(built);
    const manifest = (await readManifest(store))!;
    store.roundTrips = 0;
    const engine = await Engine.open(new ChunkCache(store), manifest);
    expect(store.roundTrips).toBe(1);
    const span = engine.tokenizer.encode(products[0]!.title).slice(0, 2);
    expect(engine.index.count(span)).toBeGreaterThan(0); // decoded already: a miss would throw MissingSuperblocks
    for (const d of [3, 250, 590]) expect(await search(engine, products[d]!.title, 10)).toContain(products[d]!.id);
    expect(store.roundTrips).toBe(1);
  });

  it("costs one round trip with a lazily loaded index too", async () => {
    const store = await publishedStore(built);
    const manifest = (await readManifest(store))!;
    store.roundTrips = 0;
    const cache = new ChunkCache(store);
    const engine = await Engine.open(cache, manifest, { prefetchBytes: 0 });
    expect(store.roundTrips).toBe(1);
    expect(() => engine.index.count(engine.tokenizer.encode(products[0]!.title).slice(0, 2))).toThrow(MissingSuperblocks);
    // the index was not fetched whole: fewer chunks than the manifest names were read
    const all = Object.values(manifest.artifacts).reduce((n, a) => n + a.chunks.length, 0);
    expect(cache.stats.misses).toBeLessThan(all);
  });

  it("opens tokenizer, index and document store that agree with each other and the catalog", async () => {
    const store = await publishedStore(built);
    const engine = await Engine.open(new ChunkCache(store), (await readManifest(store))!);
    const { tokenizer, index, docs } = engine;
    expect(index.docCount).toBe(products.length);
    expect(docs.count).toBe(products.length);
    expect(tokenizer.vocabSize).toBe(index.vocabSize);
    expect(tokenizer.vocabSize).toBe(built.manifest.tokenizer.vocabSize);

    const picks = [0, 1, 31, 32, 299, 598, 599];
    expect(await docs.get(picks)).toEqual(picks.map((d) => products[d]));
    for (const d of picks) {
      const ids = await index.extract(d);
      expect(ids).toEqual(tokenizer.encode(products[d]!.title));
      expect(tokenizer.decode(ids)).toBe(words(products[d]!.title).join(" "));
    }
    await expect(docs.get([products.length])).rejects.toThrow(RangeError);
  });

  it("reads a page of documents in one batched round trip (a catalog too large to prefetch)", async () => {
    const store = await publishedStore(built);
    const engine = await Engine.open(new ChunkCache(store), (await readManifest(store))!, { prefetchBytes: 0 });
    store.roundTrips = 0;
    const page = [5, 100, 250, 400, 590];
    expect((await engine.docs.get(page)).map((p) => p.id)).toEqual(page.map((d) => products[d]!.id));
    expect(store.roundTrips).toBe(1);
    await engine.docs.get(page);
    expect(store.roundTrips).toBe(1); // groups already decoded
  });

  it("finds a product by its full title, and only products sharing its words", async () => {
    const store = await publishedStore(built);
    const engine = await Engine.open(new ChunkCache(store), (await readManifest(store))!);
    const byId = new Map(products.map((p) => [p.id, p]));
    for (const d of [8, 101, 444]) {
      const query = products[d]!.title;
      const hits = await search(engine, query, 10);
      // Top 10, not top 1: the n-gram scoring can rank a near match above the exact title.
      expect(hits).toContain(products[d]!.id);
      const queryWords = new Set(words(query));
      for (const id of hits) expect(words(byId.get(id)!.title).some((w) => queryWords.has(w))).toBe(true);
    }
    expect(await search(engine, "zebra quux")).toEqual([]);
  });

  it("refuses a tokenizer that disagrees with the index", async () => {
    const other = await buildArtifacts(products.slice(0, 20), { chunkSize: CHUNK_SIZE });
    const store = new MemoryBlobStore();
    await publish(store, built.manifest, built.chunks);
    await publish(store, other.manifest, other.chunks);
    const mixed = { ...built.manifest, artifacts: { ...built.manifest.artifacts, tokenizer: other.manifest.artifacts.tokenizer } };
    await expect(Engine.open(new ChunkCache(store), mixed)).rejects.toThrow(/tokenizer has \d+ ids, index \d+/u);
  });
});

describe("versions do not mix", () => {
  it("an engine opened on version A keeps answering from A after B is activated", async () => {
    const catalogA = products.slice(0, 300);
    const catalogB = products.slice(300);
    const [A, B] = await Promise.all([
      buildArtifacts(catalogA, { chunkSize: CHUNK_SIZE }),
      buildArtifacts(catalogB, { chunkSize: CHUNK_SIZE }),
    ]);
    expect(A.manifest.version).not.toBe(B.manifest.version);

    const store = new MemoryBlobStore();
    // One cache for both versions, as a Worker isolate has, but so small that reads go to the store.
    const cache = new ChunkCache(store, 1);
    await publish(store, A.manifest, A.chunks);
    const engineA = await Engine.open(cache, (await readManifest(store))!, { prefetchBytes: 0 });
    expect(engineA.manifest.version).toBe(A.manifest.version);

    const report = await publish(store, B.manifest, B.chunks);
    expect(report.switched).toBe(true);
    expect((await readManifest(store))!.version).toBe(B.manifest.version);
    expect((await readManifest(store, manifestKey(A.manifest.version)))!.version).toBe(A.manifest.version);
    expect(store.values.has(CURRENT_MANIFEST_KEY)).toBe(true);

    const engineB = await Engine.open(cache, (await readManifest(store))!, { prefetchBytes: 0 });
    expect(engineB.manifest.version).toBe(B.manifest.version);

    // doc numbers mean different products in the two versions
    const picks = [0, 17, 150, 299];
    const [docsA, docsB] = await Promise.all([engineA.docs.get(picks), engineB.docs.get(picks)]);
    expect(docsA).toEqual(picks.map((d) => catalogA[d]));
    expect(docsB).toEqual(picks.map((d) => catalogB[d]));
    expect(engineA.index.docCount).toBe(300);
    expect(engineB.index.docCount).toBe(300);

    // searches running side by side each see only their own version
    const idsA = new Set(catalogA.map((p) => p.id));
    const idsB = new Set(catalogB.map((p) => p.id));
    const queries = [catalogA[42]!.title, catalogB[42]!.title, "garden hose", "ceiling fan"];
    const results = await Promise.all(queries.flatMap((q) => [search(engineA, q, 10), search(engineB, q, 10)]));
    for (let i = 0; i < queries.length; i++) {
      const [fromA, fromB] = [results[2 * i]!, results[2 * i + 1]!];
      expect(fromA.every((id) => idsA.has(id)), queries[i]).toBe(true);
      expect(fromB.every((id) => idsB.has(id)), queries[i]).toBe(true);
    }
    expect(results[0]).toContain(catalogA[42]!.id);
    expect(results[3]).toContain(catalogB[42]!.id);
    expect(results[4]!.length).toBeGreaterThan(0); // "garden hose" is in both halves
    expect(results[5]!.length).toBeGreaterThan(0);
  });
});
