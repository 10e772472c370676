/**
 * Per-isolate access to the serving index version. The manifest pointer is re-read at most every
 * `ttlMs`; a new version opens a new Engine while requests already running keep the one they
 * pinned. The chunk cache is shared across versions (chunks are content-addressed).
 */
import { Engine, type EngineOptions } from "../core/engine.ts";
import type { BlobStore } from "../core/storage/blob-store.ts";
import { ChunkCache } from "../core/storage/chunk-cache.ts";
import type { Manifest } from "../core/storage/manifest.ts";
import { readManifest } from "../core/storage/publish.ts";

export class IndexUnavailable extends Error {}

export class EngineProvider {
  readonly cache: ChunkCache;
  private current: { manifest: Manifest; engine: Promise<Engine>; checkedAt: number } | undefined;
  private refreshing: Promise<Promise<Engine>> | undefined;

  constructor(
    private readonly store: BlobStore,
    private readonly ttlMs: number,
    cacheBytes: number,
    private readonly options: EngineOptions = {},
  ) {
    this.cache = new ChunkCache(store, cacheBytes);
  }

  get manifest(): Manifest | undefined {
    return this.current?.manifest;
  }

  async engine(): Promise<Engine> {
    if (this.current && Date.now() - this.current.checkedAt < this.ttlMs) return this.current.engine;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return await this.refreshing;
  }

  private async refresh(): Promise<Promise<Engine>> {
    const manifest = await readManifest(this.store);
    if (!manifest) throw new IndexUnavailable("no index is published in KV: run `npm run kv-seed`");
    if (this.current?.manifest.version === manifest.version) {
      this.current.checkedAt = Date.now();
      return this.current.engine;
    }
    const engine = Engine.open(this.cache, manifest, this.options);
    this.current = { manifest, engine, checkedAt: Date.now() };
    engine.catch(() => {
      if (this.current?.engine === engine) this.current = undefined; // retry on the next request
    });
    return engine;
  }
}
