/**
 * BlobStore over a Workers KV namespace. KV's bulk get returns only text or JSON, so binary
 * chunks are read with concurrent single gets issued together: one round trip of latency.
 * Chunks are immutable (content-addressed), so edge caching them for a day is always safe.
 */
import type { BlobStore } from "../core/storage/blob-store.ts";

const IMMUTABLE_CACHE_TTL = 86_400;
const MUTABLE_CACHE_TTL = 30; // KV's minimum: the manifest pointer may change

export class KvBlobStore implements BlobStore {
  /** Batched reads issued (each one round trip), for the Server-Timing header and benchmarks. */
  roundTrips = 0;

  constructor(private readonly kv: KVNamespace) {}

  async getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    this.roundTrips++;
    return Promise.all(
      keys.map(async (key) => {
        const cacheTtl = key.startsWith("chunk/") ? IMMUTABLE_CACHE_TTL : MUTABLE_CACHE_TTL;
        const value = await this.kv.get(key, { type: "arrayBuffer", cacheTtl });
        return value ? new Uint8Array(value) : null;
      }),
    );
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.kv.put(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const res: KVNamespaceListResult<unknown, string> = await this.kv.list({ prefix, ...(cursor && { cursor }) });
      keys.push(...res.keys.map((k) => k.name));
      if (res.list_complete) return keys;
      cursor = res.cursor;
    }
    throw new Error(`listing ${prefix} did not finish`);
  }
}
