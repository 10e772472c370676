/**
 * Reads content-hashed chunks from a BlobStore: one batched store call per wave of misses,
 * in-flight fetches shared between concurrent readers, an LRU bounded in bytes, and a hash check
 * on every chunk that enters the cache. Chunks are immutable, so the cache is shared by versions.
 */
import type { BlobStore } from "./blob-store.ts";
import { sha256Hex } from "./hash.ts";
import { type ArtifactRef, type ChunkRef, chunkKey } from "./manifest.ts";
import type { ByteRange } from "../fm/format.ts";

export class ChunkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChunkError";
  }
}

export interface ChunkCacheStats {
  hits: number;
  misses: number;
  /** Batched store calls (round trips). */
  fetches: number;
  bytes: number;
  evictions: number;
}

export class ChunkCache {
  private readonly entries = new Map<string, Uint8Array>();
  private readonly inFlight = new Map<string, Promise<Uint8Array>>();
  readonly stats: ChunkCacheStats = { hits: 0, misses: 0, fetches: 0, bytes: 0, evictions: 0 };

  constructor(
    private readonly store: BlobStore,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /**
   * The chunks' bytes, in order. Misses from every call made in the same tick are fetched
   * together in one store call, so readers that start side by side share a round trip.
   */
  async get(refs: readonly ChunkRef[]): Promise<Uint8Array[]> {
    const waits = new Map<string, Promise<Uint8Array>>();
    for (const ref of refs) {
      if (waits.has(ref.hash)) continue;
      const cached = this.entries.get(ref.hash);
      if (cached) {
        this.stats.hits++;
        this.entries.delete(ref.hash); // refresh LRU position
        this.entries.set(ref.hash, cached);
        waits.set(ref.hash, Promise.resolve(cached));
        continue;
      }
      waits.set(ref.hash, this.inFlight.get(ref.hash) ?? this.enqueue(ref));
    }
    const resolved = new Map<string, Uint8Array>();
    await Promise.all([...waits].map(async ([hash, p]) => resolved.set(hash, await p)));
    return refs.map((ref) => resolved.get(ref.hash)!);
  }

  private queue: { ref: ChunkRef; resolve: (b: Uint8Array) => void; reject: (e: unknown) => void }[] = [];

  private enqueue(ref: ChunkRef): Promise<Uint8Array> {
    const p = new Promise<Uint8Array>((resolve, reject) => {
      if (this.queue.length === 0) queueMicrotask(() => this.flush());
      this.queue.push({ ref, resolve, reject });
    });
    this.inFlight.set(ref.hash, p);
    this.stats.misses++;
    return p;
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.stats.fetches++;
    this.store.getMany(batch.map((b) => chunkKey(b.ref.hash))).then(
      (values) => batch.forEach((b, j) => this.accept(b, values[j] ?? null)),
      (error) => batch.forEach((b) => this.fail(b, error)),
    );
  }

  private accept(b: (typeof this.queue)[number], value: Uint8Array | null): void {
    const { ref } = b;
    if (!value) return this.fail(b, new ChunkError(`chunk ${ref.hash} is missing from the store`));
    if (value.length !== ref.size) {
      return this.fail(b, new ChunkError(`chunk ${ref.hash} is corrupt: ${value.length} bytes, manifest says ${ref.size}`));
    }
    sha256Hex(value).then((actual) => {
      if (actual !== ref.hash) return this.fail(b, new ChunkError(`chunk ${ref.hash} is corrupt: content hashes to ${actual}`));
      this.inFlight.delete(ref.hash);
      this.remember(ref.hash, value);
      b.resolve(value);
    }, (e) => this.fail(b, e));
  }

  private fail(b: (typeof this.queue)[number], error: unknown): void {
    this.inFlight.delete(b.ref.hash);
    b.reject(error);
  }

  private remember(hash: string, value: Uint8Array): void {
    this.entries.set(hash, value);
    this.stats.bytes += value.length;
    for (const [oldest, bytes] of this.entries) {
      if (this.stats.bytes <= this.maxBytes || oldest === hash) break;
      this.entries.delete(oldest);
      this.stats.bytes -= bytes.length;
      this.stats.evictions++;
    }
  }
}

/** Byte ranges of one artifact, served from its chunks (one round trip per read at most). */
export class ChunkedSource {
  constructor(
    private readonly cache: ChunkCache,
    private readonly artifact: ArtifactRef,
    private readonly name: string,
  ) {}

  async read(ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
    const { chunkSize, chunks } = this.artifact;
    const needed = new Set<number>();
    for (const r of ranges) {
      if (r.offset < 0 || r.length < 0 || r.offset + r.length > this.artifact.bytes) {
        throw new ChunkError(`${this.name}: read of ${r.length} bytes at ${r.offset} is outside the artifact`);
      }
      if (r.length === 0) continue; // needs no chunk (one past the last chunk at the very end)
      const last = Math.floor((r.offset + r.length - 1) / chunkSize);
      for (let c = Math.floor(r.offset / chunkSize); c <= last; c++) needed.add(c);
    }
    const ids = [...needed].sort((a, b) => a - b);
    const bytes = await this.cache.get(ids.map((c) => chunks[c]!));
    const byId = new Map(ids.map((c, j) => [c, bytes[j]!]));
    return ranges.map((r) => {
      if (r.length === 0) return new Uint8Array(0);
      const first = Math.floor(r.offset / chunkSize);
      const start = r.offset - first * chunkSize;
      const head = byId.get(first)!;
      if (start + r.length <= head.length) return head.subarray(start, start + r.length);
      const out = new Uint8Array(r.length);
      let written = 0;
      for (let c = first; written < r.length; c++) {
        const chunk = byId.get(c)!;
        const from = c === first ? start : 0;
        const take = Math.min(chunk.length - from, r.length - written);
        out.set(chunk.subarray(from, from + take), written);
        written += take;
      }
      return out;
    });
  }
}
