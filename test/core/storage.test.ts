import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BlobStore, MemoryBlobStore } from "../../src/core/storage/blob-store.ts";
import { ChunkCache, ChunkError, ChunkedSource } from "../../src/core/storage/chunk-cache.ts";
import { sha256Hex } from "../../src/core/storage/hash.ts";
import {
  type ArtifactRef,
  CURRENT_MANIFEST_KEY,
  MANIFEST_FORMAT,
  type Manifest,
  chunkKey,
  manifestKey,
  parseManifest,
  referencedChunks,
} from "../../src/core/storage/manifest.ts";
import { activate, cutIntoChunks, prune, publish, readManifest } from "../../src/core/storage/publish.ts";
import { FsBlobStore } from "../../src/node/fs-blob-store.ts";

const KiB = 1024;
const nodeSha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** Deterministic pseudo-random bytes (distinct seeds give distinct chunks). */
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Cuts bytes into chunks and puts them into the store; returns the artifact ref. */
async function stored(store: BlobStore, bytes: Uint8Array, chunkSize = KiB): Promise<ArtifactRef> {
  const cut = await cutIntoChunks(bytes, chunkSize);
  for (const [hash, chunk] of cut.chunks) await store.put(chunkKey(hash), chunk);
  return cut.ref;
}

describe("sha256Hex", () => {
  it("matches node:crypto", async () => {
    for (const b of [new Uint8Array(0), new TextEncoder().encode("abc"), bytesOf(5000, 1)]) {
      expect(await sha256Hex(b)).toBe(nodeSha256(b));
    }
    expect(await sha256Hex(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("cutIntoChunks", () => {
  it("cuts fixed-size chunks, the last one shorter, each named by the SHA-256 of its content", async () => {
    const bytes = bytesOf(2 * KiB + 100, 7);
    const { ref, chunks } = await cutIntoChunks(bytes, KiB, 40);
    expect(ref.bytes).toBe(bytes.length);
    expect(ref.chunkSize).toBe(KiB);
    expect(ref.headerBytes).toBe(40);
    expect(ref.chunks.map((c) => c.size)).toEqual([KiB, KiB, 100]);
    ref.chunks.forEach((c, i) => {
      const content = bytes.subarray(i * KiB, i * KiB + c.size);
      expect(c.hash).toBe(nodeSha256(content));
      expect(chunks.get(c.hash)).toEqual(content);
    });
    expect(chunks.size).toBe(3);
  });

  it("gives an exact multiple of the chunk size full chunks only, and leaves headerBytes out when not given", async () => {
    const { ref } = await cutIntoChunks(bytesOf(3 * KiB, 3), KiB);
    expect(ref.chunks.map((c) => c.size)).toEqual([KiB, KiB, KiB]);
    expect("headerBytes" in ref).toBe(false);
  });

  it("names repeated content once", async () => {
    const block = bytesOf(KiB, 9);
    const bytes = new Uint8Array(3 * KiB);
    for (let i = 0; i < 3; i++) bytes.set(block, i * KiB);
    const { ref, chunks } = await cutIntoChunks(bytes, KiB);
    expect(ref.chunks).toHaveLength(3);
    expect(new Set(ref.chunks.map((c) => c.hash)).size).toBe(1);
    expect(chunks.size).toBe(1);
  });

  it("cuts empty bytes into one empty chunk", async () => {
    const { ref } = await cutIntoChunks(new Uint8Array(0), KiB);
    expect(ref).toEqual({ bytes: 0, chunkSize: KiB, chunks: [{ hash: nodeSha256(new Uint8Array(0)), size: 0 }] });
  });

  it("rejects chunk sizes outside 1 KiB to 25 MiB and non-integers", async () => {
    const b = bytesOf(10, 1);
    for (const size of [0, 1023, 25 * 1024 * 1024 + 1, 1024.5, Number.NaN]) {
      await expect(cutIntoChunks(b, size)).rejects.toThrow(RangeError);
    }
    await expect(cutIntoChunks(b, 1024)).resolves.toBeDefined();
    await expect(cutIntoChunks(b, 25 * 1024 * 1024)).resolves.toBeDefined();
  });
});

describe("ChunkedSource", () => {
  it("reads any ranges, including ones that cross chunk boundaries, like slicing the bytes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 0, max: 5 * KiB }), fc.constantFrom(0, KiB, 2 * KiB, 3 * KiB)).chain((length) =>
          fc.record({
            length: fc.constant(length),
            seed: fc.nat(),
            ranges: fc.array(
              fc.tuple(fc.integer({ min: 0, max: length }), fc.nat()).map(([offset, n]) => ({
                offset,
                length: n % (length - offset + 1),
              })),
              { minLength: 1, maxLength: 6 },
            ),
          }),
        ),
        async ({ length, seed, ranges }) => {
          const store = new MemoryBlobStore();
          const bytes = bytesOf(length, seed);
          const ref = await stored(store, bytes);
          const source = new ChunkedSource(new ChunkCache(store), ref, "artifact");
          const before = store.roundTrips;
          const out = await source.read(ranges);
          expect(out).toHaveLength(ranges.length);
          ranges.forEach((r, i) => expect(out[i]).toEqual(bytes.slice(r.offset, r.offset + r.length)));
          expect(store.roundTrips - before).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 120 },
    );
  });

  it("reads a range spanning three chunks in one round trip", async () => {
    const store = new MemoryBlobStore();
    const bytes = bytesOf(4 * KiB, 5);
    const source = new ChunkedSource(new ChunkCache(store), await stored(store, bytes), "artifact");
    store.roundTrips = 0;
    const [out] = await source.read([{ offset: KiB - 10, length: KiB + 20 }]);
    expect(out).toEqual(bytes.slice(KiB - 10, 2 * KiB + 10));
    const [whole] = await source.read([{ offset: 0, length: bytes.length }]);
    expect(whole).toEqual(bytes);
    expect(store.roundTrips).toBe(2);
  });

  it("reads an empty range at the very end of a chunk-aligned artifact", async () => {
    const store = new MemoryBlobStore();
    const source = new ChunkedSource(new ChunkCache(store), await stored(store, bytesOf(2 * KiB, 2)), "artifact");
    const [out] = await source.read([{ offset: 2 * KiB, length: 0 }]);
    expect(out).toEqual(new Uint8Array(0));
  });

  it("rejects ranges outside the artifact, naming it", async () => {
    const store = new MemoryBlobStore();
    const source = new ChunkedSource(new ChunkCache(store), await stored(store, bytesOf(2 * KiB, 2)), "docs");
    await expect(source.read([{ offset: 2 * KiB - 1, length: 2 }])).rejects.toThrow(ChunkError);
    await expect(source.read([{ offset: 2 * KiB - 1, length: 2 }])).rejects.toThrow("docs: read of 2 bytes at 2047 is outside the artifact");
    await expect(source.read([{ offset: -1, length: 1 }])).rejects.toThrow("outside the artifact");
  });
});

describe("ChunkCache", () => {
  let store: MemoryBlobStore;
  let refs: ArtifactRef["chunks"];
  let bytes: Uint8Array;

  beforeEach(async () => {
    store = new MemoryBlobStore();
    bytes = bytesOf(4 * KiB, 11);
    refs = (await stored(store, bytes)).chunks;
    store.roundTrips = 0;
  });

  const chunk = (i: number): Uint8Array => bytes.slice(i * KiB, (i + 1) * KiB);

  it("coalesces concurrent gets of overlapping chunks into one store round trip", async () => {
    const cache = new ChunkCache(store);
    const [a, b] = await Promise.all([cache.get([refs[0]!, refs[1]!]), cache.get([refs[1]!, refs[2]!, refs[1]!])]);
    expect(store.roundTrips).toBe(1);
    expect(a).toEqual([chunk(0), chunk(1)]);
    expect(b).toEqual([chunk(1), chunk(2), chunk(1)]);
    expect(cache.stats).toMatchObject({ fetches: 1, misses: 3, hits: 0, bytes: 3 * KiB });
  });

  it("shares a fetch already on its way with a reader that comes later", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: BlobStore = {
      getMany: async (keys) => {
        await gate;
        return store.getMany(keys);
      },
      put: (k, v) => store.put(k, v),
      delete: (k) => store.delete(k),
      list: (p) => store.list(p),
    };
    const cache = new ChunkCache(slow);
    const first = cache.get([refs[0]!]);
    await new Promise((r) => setTimeout(r, 0)); // the first fetch has been sent
    expect(store.roundTrips).toBe(0);
    const second = cache.get([refs[0]!]);
    release();
    expect(await first).toEqual([chunk(0)]);
    expect(await second).toEqual([chunk(0)]);
    expect(store.roundTrips).toBe(1);
    expect(cache.stats.fetches).toBe(1);
  });

  it("serves repeat reads from the cache without a round trip", async () => {
    const cache = new ChunkCache(store);
    await cache.get([refs[0]!, refs[1]!]);
    expect(store.roundTrips).toBe(1);
    expect(await cache.get([refs[1]!, refs[0]!])).toEqual([chunk(1), chunk(0)]);
    expect(store.roundTrips).toBe(1);
    expect(cache.stats).toMatchObject({ hits: 2, misses: 2, fetches: 1 });
    // a mix of hits and misses fetches only the misses
    await cache.get([refs[0]!, refs[3]!]);
    expect(store.roundTrips).toBe(2);
    expect(cache.stats).toMatchObject({ hits: 3, misses: 3, fetches: 2 });
  });

  it("evicts least recently used chunks to stay within the byte cap", async () => {
    const cache = new ChunkCache(store, 2 * KiB + 512); // room for two chunks
    await cache.get([refs[0]!]);
    await cache.get([refs[1]!]);
    await cache.get([refs[0]!]); // chunk 0 is now the most recently used
    await cache.get([refs[2]!]); // evicts chunk 1
    expect(cache.stats.bytes).toBe(2 * KiB);
    expect(cache.stats.evictions).toBe(1);
    store.roundTrips = 0;
    await cache.get([refs[0]!, refs[2]!]);
    expect(store.roundTrips).toBe(0);
    expect(await cache.get([refs[1]!])).toEqual([chunk(1)]);
    expect(store.roundTrips).toBe(1);
    expect(cache.stats.bytes).toBeLessThanOrEqual(2 * KiB + 512);
    expect(cache.stats.evictions).toBe(2);
  });

  it("never holds more bytes than the cap over a random access pattern", async () => {
    const cap = 2 * KiB;
    const cache = new ChunkCache(store, cap);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 }), async (order) => {
        for (const i of order) {
          expect(await cache.get([refs[i]!])).toEqual([chunk(i)]);
          expect(cache.stats.bytes).toBeLessThanOrEqual(cap);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("rejects a missing chunk with an error naming its hash", async () => {
    await store.delete(chunkKey(refs[2]!.hash));
    const cache = new ChunkCache(store);
    const err = await cache.get([refs[1]!, refs[2]!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChunkError);
    expect((err as Error).message).toBe(`chunk ${refs[2]!.hash} is missing from the store`);
  });

  it("rejects a chunk whose content does not match its hash as corrupt", async () => {
    const key = chunkKey(refs[1]!.hash);
    store.values.get(key)![100]! ^= 0xff;
    const cache = new ChunkCache(store);
    const err = (await cache.get([refs[1]!]).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ChunkError);
    expect(err.message).toContain("corrupt");
    expect(err.message).toContain(refs[1]!.hash);
    expect(cache.stats.bytes).toBe(0); // nothing corrupt enters the cache
  });

  it("rejects a chunk of the wrong size as corrupt", async () => {
    await store.put(chunkKey(refs[0]!.hash), chunk(0).subarray(0, 10));
    const cache = new ChunkCache(store);
    await expect(cache.get([refs[0]!])).rejects.toThrow(`chunk ${refs[0]!.hash} is corrupt: 10 bytes, manifest says ${KiB}`);
  });

  it("does not let a failed fetch poison later reads", async () => {
    const good = store.values.get(chunkKey(refs[0]!.hash))!.slice();
    const cache = new ChunkCache(store);

    await store.delete(chunkKey(refs[0]!.hash));
    await expect(cache.get([refs[0]!])).rejects.toThrow("missing");
    await store.put(chunkKey(refs[0]!.hash), good);
    expect(await cache.get([refs[0]!])).toEqual([chunk(0)]);

    store.values.get(chunkKey(refs[1]!.hash))![0]! ^= 1;
    await expect(cache.get([refs[1]!])).rejects.toThrow("corrupt");
    store.values.get(chunkKey(refs[1]!.hash))![0]! ^= 1;
    expect(await cache.get([refs[1]!])).toEqual([chunk(1)]);
  });

  it("rejects every reader of a batch when the store call fails, and recovers after", async () => {
    let failNext = true;
    const flaky: BlobStore = {
      getMany: async (keys) => {
        if (failNext) {
          failNext = false;
          throw new Error("network down");
        }
        return store.getMany(keys);
      },
      put: (k, v) => store.put(k, v),
      delete: (k) => store.delete(k),
      list: (p) => store.list(p),
    };
    const cache = new ChunkCache(flaky);
    const results = await Promise.allSettled([cache.get([refs[0]!]), cache.get([refs[0]!, refs[1]!])]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error("network down"));
    expect(await cache.get([refs[0]!, refs[1]!])).toEqual([chunk(0), chunk(1)]);
  });
});

// ---- publishing versions --------------------------------------------------------------------------

interface Version {
  readonly manifest: Manifest;
  readonly chunks: ReadonlyMap<string, Uint8Array>;
}

/** A version whose index differs from seed to seed only in its last chunk; docs and tokenizer are shared. */
async function version(name: string, seed: number, createdAt: string): Promise<Version> {
  const index = new Uint8Array(3 * KiB);
  index.set(bytesOf(2 * KiB, 1000));
  index.set(bytesOf(KiB, seed), 2 * KiB);
  const cut = {
    index: await cutIntoChunks(index, KiB, 12),
    docs: await cutIntoChunks(bytesOf(KiB + 5, 2000), KiB, 12),
    tokenizer: await cutIntoChunks(new TextEncoder().encode("word-v1\nacme"), KiB),
  };
  const chunks = new Map<string, Uint8Array>();
  for (const a of Object.values(cut)) for (const [h, b] of a.chunks) chunks.set(h, b);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: name,
    createdAt,
    catalog: { products: 1, tokens: 1 },
    tokenizer: { kind: "word-v1", vocabSize: 2 },
    artifacts: { index: cut.index.ref, docs: cut.docs.ref, tokenizer: cut.tokenizer.ref },
  };
  return { manifest, chunks };
}

describe("publish, activate, prune", () => {
  let store: MemoryBlobStore;
  let A: Version;
  let B: Version;

  beforeEach(async () => {
    store = new MemoryBlobStore();
    A = await version("aaaa", 1, "2025-01-01T00:00:00.000Z");
    B = await version("bbbb", 2, "2025-01-02T00:00:00.000Z");
  });

  const chunkKeys = async (): Promise<string[]> => store.list("chunk/");
  const only = (v: Version, other: Version): string[] =>
    [...referencedChunks(v.manifest)].filter((h) => !referencedChunks(other.manifest).has(h));

  it("has no current manifest in an empty store", async () => {
    expect(await readManifest(store)).toBeNull();
  });

  it("publishes chunks and manifest and switches the pointer", async () => {
    const report = await publish(store, A.manifest, A.chunks);
    expect(report).toMatchObject({ version: "aaaa", chunksWritten: A.chunks.size, chunksReused: 0, switched: true });
    expect(await readManifest(store)).toEqual(A.manifest);
    expect(await readManifest(store, manifestKey("aaaa"))).toEqual(A.manifest);
    expect((await chunkKeys()).sort()).toEqual([...A.chunks.keys()].map(chunkKey).sort());
    for (const [h, b] of A.chunks) expect(store.values.get(chunkKey(h))).toEqual(b);
  });

  it("writes chunks shared between versions once, and activate switches between published versions", async () => {
    await publish(store, A.manifest, A.chunks);
    const puts: string[] = [];
    const put = store.put.bind(store);
    store.put = async (k, v) => {
      puts.push(k);
      return put(k, v);
    };
    const report = await publish(store, B.manifest, B.chunks);
    const fresh = only(B, A);
    expect(fresh).toHaveLength(1); // only the last index chunk differs
    expect(report.chunksWritten).toBe(1);
    expect(report.chunksReused).toBe(B.chunks.size - 1);
    expect(puts.filter((k) => k.startsWith("chunk/"))).toEqual([chunkKey(fresh[0]!)]);
    expect(puts).toContain(CURRENT_MANIFEST_KEY);

    expect((await readManifest(store))!.version).toBe("bbbb");
    expect((await readManifest(store, manifestKey("aaaa")))!.version).toBe("aaaa");
    expect((await readManifest(store, manifestKey("bbbb")))!.version).toBe("bbbb");

    expect(await activate(store, "aaaa")).toEqual(A.manifest);
    expect((await readManifest(store))!.version).toBe("aaaa");
    await activate(store, "bbbb");
    expect((await readManifest(store))!.version).toBe("bbbb");
  });

  it("activate refuses a version that is not published", async () => {
    await publish(store, A.manifest, A.chunks);
    await expect(activate(store, "nope")).rejects.toThrow("version nope is not published");
    expect((await readManifest(store))!.version).toBe("aaaa");
  });

  it("publishes without switching when activate is false, and writes nothing on a dry run", async () => {
    await publish(store, A.manifest, A.chunks);
    const report = await publish(store, B.manifest, B.chunks, { activate: false });
    expect(report.switched).toBe(false);
    expect((await readManifest(store))!.version).toBe("aaaa");
    expect(await readManifest(store, manifestKey("bbbb"))).toEqual(B.manifest);

    const empty = new MemoryBlobStore();
    const dry = await publish(empty, A.manifest, A.chunks, { dryRun: true });
    expect(dry).toMatchObject({ chunksWritten: A.chunks.size, switched: false });
    expect(empty.values.size).toBe(0);
  });

  it("prune removes the old manifest and only the chunks nothing else references", async () => {
    await publish(store, A.manifest, A.chunks);
    await publish(store, B.manifest, B.chunks);
    const gone = only(A, B);
    expect(gone).toHaveLength(1);

    const result = await prune(store);
    expect(result).toEqual({ manifests: ["aaaa"], chunks: 1 });
    expect(await readManifest(store, manifestKey("aaaa"))).toBeNull();
    expect(await readManifest(store, manifestKey("bbbb"))).toEqual(B.manifest);
    expect((await readManifest(store))!.version).toBe("bbbb");
    expect(await chunkKeys()).toEqual([...referencedChunks(B.manifest)].map(chunkKey).sort());
    expect(store.values.has(chunkKey(gone[0]!))).toBe(false);

    // every chunk of the surviving version still reads
    const cache = new ChunkCache(store);
    for (const a of Object.values(B.manifest.artifacts)) await expect(cache.get(a.chunks)).resolves.toHaveLength(a.chunks.length);
  });

  it("prune keeps the current version even when it is not the newest", async () => {
    await publish(store, A.manifest, A.chunks);
    await publish(store, B.manifest, B.chunks);
    await activate(store, "aaaa");
    expect(await prune(store, 0)).toEqual({ manifests: ["bbbb"], chunks: 1 });
    expect(await readManifest(store, manifestKey("aaaa"))).toEqual(A.manifest);
    expect(await chunkKeys()).toEqual([...referencedChunks(A.manifest)].map(chunkKey).sort());
  });

  it("prune with keep = 2 removes nothing that is referenced", async () => {
    await publish(store, A.manifest, A.chunks);
    await publish(store, B.manifest, B.chunks);
    await store.put(chunkKey("f".repeat(64)), new Uint8Array(3)); // an orphan from an interrupted publish
    expect(await prune(store, 2)).toEqual({ manifests: [], chunks: 1 });
    expect((await chunkKeys()).length).toBe(new Set([...A.chunks.keys(), ...B.chunks.keys()]).size);
  });
});

describe("parseManifest", () => {
  let good: Manifest;
  beforeEach(async () => {
    good = (await version("v1", 1, "2025-01-01T00:00:00.000Z")).manifest;
  });
  const text = (m: unknown): string => JSON.stringify(m);

  it("reads a well-formed manifest from bytes or text", () => {
    expect(parseManifest(new TextEncoder().encode(text(good)))).toEqual(good);
    expect(parseManifest(text(good))).toEqual(good);
  });

  it("rejects text that is not JSON or not an object", () => {
    expect(() => parseManifest("{nope", "manifest/x")).toThrow(/^manifest\/x: not JSON/u);
    expect(() => parseManifest("null")).toThrow("manifest: not an object");
  });

  it("rejects another format number", () => {
    expect(() => parseManifest(text({ ...good, format: 2 }), "manifest/current")).toThrow(
      "manifest/current: format 2, this build reads 1",
    );
    expect(() => parseManifest(text({ ...good, format: undefined }))).toThrow("format undefined");
  });

  it("rejects a missing version or artifact", () => {
    expect(() => parseManifest(text({ ...good, version: "" }))).toThrow("missing version");
    const { docs: _docs, ...noDocs } = good.artifacts;
    expect(() => parseManifest(text({ ...good, artifacts: noDocs }))).toThrow('artifact "docs" is missing or malformed');
    expect(() => parseManifest(text({ ...good, artifacts: { ...good.artifacts, index: { ...good.artifacts.index, chunks: "x" } } }))).toThrow(
      'artifact "index" is missing or malformed',
    );
  });

  it("rejects chunk sizes that do not add up to the artifact size", () => {
    const index = good.artifacts.index;
    const bad = { ...good, artifacts: { ...good.artifacts, index: { ...index, bytes: index.bytes + 1 } } };
    expect(() => parseManifest(text(bad))).toThrow(`artifact "index" chunks add up to ${index.bytes}, expected ${index.bytes + 1}`);
    const dropped = { ...good, artifacts: { ...good.artifacts, docs: { ...good.artifacts.docs, chunks: good.artifacts.docs.chunks.slice(1) } } };
    expect(() => parseManifest(text(dropped))).toThrow('artifact "docs" chunks add up to');
  });
});

describe("FsBlobStore", () => {
  let dir: string;
  let fsStore: FsBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "edgespan-fs-"));
    fsStore = new FsBlobStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("puts, gets, lists and deletes values under nested keys", async () => {
    await fsStore.put("chunk/abc", new Uint8Array([1, 2, 3]));
    await fsStore.put("manifest/current", new TextEncoder().encode("{}"));
    await fsStore.put("manifest/v1", new Uint8Array([9]));
    expect(await fsStore.getMany(["chunk/abc", "nope", "manifest/v1"])).toEqual([new Uint8Array([1, 2, 3]), null, new Uint8Array([9])]);
    expect(await fsStore.list("")).toEqual(["chunk/abc", "manifest/current", "manifest/v1"]);
    expect(await fsStore.list("manifest/")).toEqual(["manifest/current", "manifest/v1"]);
    expect(await fsStore.list("chunk/x")).toEqual([]);

    await fsStore.put("chunk/abc", new Uint8Array([4])); // overwrite
    expect(await fsStore.getMany(["chunk/abc"])).toEqual([new Uint8Array([4])]);
    expect((await readdir(join(dir, "chunk"))).filter((n) => n.includes(".tmp-"))).toEqual([]);

    await fsStore.delete("chunk/abc");
    await fsStore.delete("chunk/abc"); // deleting an absent key is fine
    expect(await fsStore.getMany(["chunk/abc"])).toEqual([null]);
    expect(await fsStore.list("chunk/")).toEqual([]);
  });

  it("lists nothing in a folder that does not exist yet, and skips temporary files", async () => {
    expect(await new FsBlobStore(join(dir, "absent")).list("")).toEqual([]);
    await fsStore.put("chunk/a", new Uint8Array([1]));
    await writeFile(join(dir, "chunk", "b.tmp-123"), "half");
    expect(await fsStore.list("chunk/")).toEqual(["chunk/a"]);
  });

  it("rejects keys that could leave the folder or are malformed", async () => {
    for (const key of ["..", "../x", "chunk/../../x", "a/./b", "", "/abs", "a//b", "a/"]) {
      await expect(fsStore.put(key, new Uint8Array([1])), key).rejects.toThrow("invalid key");
      await expect(fsStore.getMany([key]), key).rejects.toThrow("invalid key");
      await expect(fsStore.delete(key), key).rejects.toThrow("invalid key");
    }
    expect(await fsStore.list("")).toEqual([]);
  });

  it("serves a published version through the chunk cache", async () => {
    const v = await version("v1", 3, "2025-01-01T00:00:00.000Z");
    await publish(fsStore, v.manifest, v.chunks);
    const m = await readManifest(fsStore);
    expect(m).toEqual(v.manifest);
    const source = new ChunkedSource(new ChunkCache(fsStore), m!.artifacts.index, "index");
    const [all] = await source.read([{ offset: 0, length: m!.artifacts.index.bytes }]);
    expect(all!.subarray(0, 2 * KiB)).toEqual(bytesOf(2 * KiB, 1000));
    expect(all!.subarray(2 * KiB)).toEqual(bytesOf(KiB, 3));
  });
});
