import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../kv-seed/cli.ts";
import { autocomplete } from "../../src/core/autocomplete/autocomplete.ts";
import { Engine } from "../../src/core/engine.ts";
import { ChunkCache } from "../../src/core/storage/chunk-cache.ts";
import { readManifest } from "../../src/core/storage/publish.ts";
import { FsBlobStore } from "../../src/node/fs-blob-store.ts";

const SAMPLE = "data/sample-catalog.tsv";
let dir: string;
let log: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kv-seed-queries-"));
  log = [];
  vi.spyOn(console, "log").mockImplementation((...args) => void log.push(args.join(" ")));
  vi.spyOn(console, "warn").mockImplementation((...args) => void log.push(args.join(" ")));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe("kv-seed --queries", () => {
  it("adds the past-query index to the version, which the engine then serves", async () => {
    const out = join(dir, "index");
    expect(await main(["dir", "--catalog", SAMPLE, "--queries", "data/sample-queries.tsv", "--out", out])).toBe(0);
    expect(log.join("\n")).toMatch(/queries 400 \(\d+ B\)/u);
    const store = new FsBlobStore(out);
    const manifest = (await readManifest(store))!;
    expect(manifest.artifacts.queries?.bytes).toBeGreaterThan(0);
    const engine = await Engine.open(new ChunkCache(store, 1 << 24), manifest);
    expect(engine.queries?.size).toBe(400);
    const { suggestions } = await autocomplete(engine, "garden h", 3);
    expect(suggestions[0]).toMatchObject({ text: "garden hose", source: "query" });
  });

  it("accepts one query a line", async () => {
    const file = join(dir, "q.txt");
    await writeFile(file, "door knob\nDoor Knob\ngarden hose\n");
    const out = join(dir, "index");
    expect(await main(["dir", "--catalog", SAMPLE, "--queries", file, "--out", out])).toBe(0);
    expect(log.join("\n")).toContain("queries 2 (");
  });

  it("names the file and line of a malformed query log, and a missing one", async () => {
    const bad = join(dir, "bad.tsv");
    await writeFile(bad, "query\tcount\ndoor knob\t3\nhose\tlots\n");
    await expect(main(["dir", "--catalog", SAMPLE, "--queries", bad, "--out", join(dir, "x")])).rejects.toThrow(
      `${bad}:3: count must be a whole number`,
    );
    await expect(main(["dir", "--catalog", SAMPLE, "--queries", join(dir, "nope.tsv")])).rejects.toThrow(/nope\.tsv: cannot read query log/u);
    await expect(main(["dir", "--from", dir, "--queries", bad])).rejects.toThrow(/--queries needs --catalog/u);
  });
});
