import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../kv-seed/cli.ts";
import { openLocalKv } from "../../kv-seed/stores.ts";
import { CURRENT_MANIFEST_KEY, chunkKey, referencedChunks } from "../../src/core/storage/manifest.ts";
import { readManifest } from "../../src/core/storage/publish.ts";
import { FsBlobStore } from "../../src/node/fs-blob-store.ts";

const SAMPLE = "data/sample-catalog.tsv";
let dir: string;
let log: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kv-seed-test-"));
  log = [];
  vi.spyOn(console, "log").mockImplementation((...args) => void log.push(args.join(" ")));
  vi.spyOn(console, "warn").mockImplementation((...args) => void log.push(args.join(" ")));
});
afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env.WRANGLER_BIN;
  await rm(dir, { recursive: true, force: true });
});

describe("kv-seed dir", () => {
  it("writes every chunk the manifest names, then the pointer, and reuses chunks on a rebuild", async () => {
    const out = join(dir, "index");
    expect(await main(["dir", "--catalog", SAMPLE, "--out", out, "--chunk-size", "4096"])).toBe(0);
    const store = new FsBlobStore(out);
    const manifest = (await readManifest(store))!;
    expect(manifest.catalog.products).toBe(600);
    const stored = await store.list("chunk/");
    expect(stored.sort()).toEqual([...referencedChunks(manifest)].map(chunkKey).sort());
    expect(log.join("\n")).toMatch(/wrote \d+ chunks .* is now serving/u);

    log = [];
    expect(await main(["dir", "--catalog", SAMPLE, "--out", out, "--chunk-size", "4096"])).toBe(0);
    expect(log.join("\n")).toMatch(/wrote 0 chunks .*already present/u);
  });

  it("--dry-run reports and writes nothing", async () => {
    const out = join(dir, "index");
    expect(await main(["dir", "--catalog", SAMPLE, "--out", out, "--dry-run"])).toBe(0);
    expect(log.join("\n")).toContain("would write");
    expect(await new FsBlobStore(out).list("")).toEqual([]);
  });

  it("names the file and line of a malformed catalog", async () => {
    const bad = join(dir, "bad.tsv");
    await writeFile(bad, "id\ttitle\n1\tA lamp\n2\tA\textra column\n");
    await expect(main(["dir", "--catalog", bad, "--out", join(dir, "x")])).rejects.toThrow(`${bad}:3: expected 2 columns, found 3`);
  });

  it("names a missing catalog file and rejects bad options", async () => {
    await expect(main(["dir", "--catalog", join(dir, "nope.tsv")])).rejects.toThrow(/nope\.tsv: cannot read catalog/u);
    await expect(main(["dir", "--catalog", SAMPLE, "--chunk-size", "big"])).rejects.toThrow(/--chunk-size must be a whole number/u);
    await expect(main(["elsewhere", "--catalog", SAMPLE])).rejects.toThrow(/unknown target/u);
    await expect(main(["remote", "--catalog", SAMPLE])).rejects.toThrow(/--namespace-id/u);
  });
});

describe("kv-seed versions, activate and prune", () => {
  it("lists versions, switches the serving one, and prunes old ones (dry run first)", async () => {
    const out = join(dir, "index");
    const half = join(dir, "half.tsv");
    const lines = (await readFile(SAMPLE, "utf8")).trim().split("\n");
    await writeFile(half, lines.slice(0, 301).join("\n") + "\n");
    await main(["dir", "--catalog", half, "--out", out]);
    const first = (await readManifest(new FsBlobStore(out)))!.version;
    await new Promise((r) => setTimeout(r, 5)); // distinct createdAt
    await main(["dir", "--catalog", SAMPLE, "--out", out]);
    const second = (await readManifest(new FsBlobStore(out)))!.version;
    expect(second).not.toBe(first);

    log = [];
    await main(["versions", "dir", "--out", out]);
    expect(log[0]).toMatch(new RegExp(`^\\* ${second} .* 600 products`, "u"));
    expect(log[1]).toMatch(new RegExp(`^  ${first} .* 300 products`, "u"));

    await main(["activate", "dir", "--out", out, "--version", first]);
    expect((await readManifest(new FsBlobStore(out)))!.version).toBe(first);
    await expect(main(["activate", "dir", "--out", out, "--version", "nope"])).rejects.toThrow(/not published/u);

    const before = (await new FsBlobStore(out).list("")).length;
    log = [];
    await main(["prune", "dir", "--out", out, "--keep", "0", "--dry-run"]);
    expect(log.join("\n")).toContain(`would remove 1 versions (${second})`);
    expect((await new FsBlobStore(out).list("")).length).toBe(before);

    await main(["prune", "dir", "--out", out, "--keep", "0"]);
    const store = new FsBlobStore(out);
    expect((await store.list("manifest/")).sort()).toEqual([`manifest/${first}`, "manifest/current"].sort());
    const live = [...referencedChunks((await readManifest(store))!)].map(chunkKey).sort();
    expect((await store.list("chunk/")).sort()).toEqual(live);
  });
});

describe("kv-seed local", () => {
  it("seeds the persisted local KV that wrangler dev reads, with binary values intact", async () => {
    const persist = join(dir, "state", "v3");
    expect(await main(["local", "--catalog", SAMPLE, "--persist", persist])).toBe(0);
    const { store, close } = await openLocalKv({ configPath: "wrangler.toml", persistPath: persist, binding: "INDEX" });
    try {
      const manifest = (await readManifest(store))!;
      const expected = new FsBlobStore(join(dir, "ref"));
      await main(["dir", "--catalog", SAMPLE, "--out", join(dir, "ref")]);
      const hashes = [...referencedChunks(manifest)];
      const [fromKv, fromDir] = [await store.getMany(hashes.map(chunkKey)), await expected.getMany(hashes.map(chunkKey))];
      expect(fromKv.map((b) => Buffer.from(b!).toString("hex"))).toEqual(fromDir.map((b) => Buffer.from(b!).toString("hex")));
    } finally {
      await close();
    }
  }, 60_000);
});

describe("kv-seed remote", () => {
  // Cloudflare's API cannot be reached here: a stand-in `wrangler` records the calls it gets.
  it("uploads chunks as files through wrangler, pointer last, and skips chunks already there", async () => {
    const calls = join(dir, "calls");
    const values = join(dir, "values");
    const fake = join(dir, "wrangler");
    await writeFile(
      fake,
      `#!/usr/bin/env bash
set -e
mkdir -p ${values}
echo "$*" >> ${calls}
if [ "$2" = "key" ] && [ "$3" = "list" ]; then echo '[{"name":"chunk/already"}]'; exit 0; fi
if [ "$2" = "key" ] && [ "$3" = "put" ]; then cp "$6" "${values}/$(echo "$4" | tr / _)"; exit 0; fi
exit 1
`,
    );
    await chmod(fake, 0o755);
    process.env.WRANGLER_BIN = fake;
    expect(await main(["remote", "--catalog", SAMPLE, "--namespace-id", "ns123", "--chunk-size", "4096"])).toBe(0);

    const lines = (await readFile(calls, "utf8")).trim().split("\n");
    expect(lines.every((l) => l.includes("--namespace-id ns123 --remote"))).toBe(true);
    const puts = lines.filter((l) => l.startsWith("kv key put")).map((l) => l.split(" ")[3]!);
    expect(puts.at(-1)).toBe(CURRENT_MANIFEST_KEY);
    const ref = join(dir, "ref");
    await main(["dir", "--catalog", SAMPLE, "--out", ref, "--chunk-size", "4096"]);
    const manifest = (await readManifest(new FsBlobStore(ref)))!;
    for (const hash of referencedChunks(manifest)) {
      const sent = await readFile(join(values, `chunk_${hash}`));
      expect(sent.equals(await readFile(join(ref, "chunk", hash)))).toBe(true);
    }
    expect((await readdir(values)).length).toBe(referencedChunks(manifest).size + 2);
  });
});
