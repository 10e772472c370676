/**
 * Merged search results in the Cache API, so that a repeated query is answered without the
 * origin. The key is a synthetic URL of what decides the answer: the normalized query (so "Door
 * Knob " and "door knob" share an entry), the strategy, k and the index version (a new version
 * never serves an old one's hits). Only complete answers are stored: a degraded one would keep
 * serving lexical-only results for minutes after the origin recovers.
 */
import { normalizeText } from "../core/text/normalize.ts";

export const DEFAULT_RESULT_CACHE_SECONDS = 300;
// Never fetched: a name the Cache API accepts as a key.
const KEY_ORIGIN = "https://result-cache.edgespan.internal";

export interface CacheKeyParts {
  readonly query: string;
  readonly strategy: string;
  readonly k: number;
  readonly index: string;
}

// Workers' default cache (the DOM lib's CacheStorage type, also loaded, does not declare it).
const defaultCache = (): Cache => (caches as unknown as { default: Cache }).default;

export function resultCacheKey({ query, strategy, k, index }: CacheKeyParts): Request {
  const params = new URLSearchParams({ q: normalizeText(query), strategy, k: String(k), index });
  return new Request(`${KEY_ORIGIN}/v1/search?${params}`);
}

/** The data center's default cache: a per-request handle (no Cache object is kept across requests). */
export class ResultCache<T> {
  constructor(private readonly maxAgeSeconds: number) {}

  /** The stored value, or undefined (a miss, or an entry that cannot be read). */
  async get(parts: CacheKeyParts): Promise<T | undefined> {
    try {
      const hit = await defaultCache().match(resultCacheKey(parts));
      return hit ? ((await hit.json()) as T) : undefined;
    } catch (e) {
      console.error(`result cache: read failed, treated as a miss: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Stores `value` for maxAgeSeconds; the returned promise belongs in ctx.waitUntil. */
  async put(parts: CacheKeyParts, value: T): Promise<void> {
    if (this.maxAgeSeconds <= 0) return;
    const response = new Response(JSON.stringify(value), {
      headers: { "Content-Type": "application/json", "Cache-Control": `public, max-age=${this.maxAgeSeconds}` },
    });
    try {
      await defaultCache().put(resultCacheKey(parts), response);
    } catch (e) {
      console.error(`result cache: write failed: ${(e as Error).message}`);
    }
  }
}
