/**
 * The narrowest storage interface the engine needs: named immutable byte values.
 * Workers KV, a folder on disk and a Map all fit it; caching, batching and hash checks
 * live above it (chunk-reader.ts) so every backend gets them.
 */
export interface BlobStore {
  /** Values for the keys, in order; null for a key that is absent. One round trip where the backend allows. */
  getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with the prefix (for cleanup and reports). */
  list(prefix: string): Promise<string[]>;
}

/** A store in memory, for tests, the CLI and in-process evaluation. */
export class MemoryBlobStore implements BlobStore {
  readonly values = new Map<string, Uint8Array>();
  /** Number of getMany calls: each is one round trip to a real backend. */
  roundTrips = 0;

  async getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    this.roundTrips++;
    return keys.map((k) => this.values.get(k) ?? null);
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    this.values.set(key, value.slice());
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
