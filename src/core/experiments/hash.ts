/**
 * Deterministic, runtime-agnostic hashing for experiment assignment: 32-bit FNV-1a over the UTF-8
 * bytes, then murmur3's fmix32 finalizer (FNV-1a alone mixes its last bytes poorly into the low
 * bits, which is what a modulo reads). The same input gives the same bucket in Node, workerd and a
 * browser, forever: changing any of this reshuffles every running experiment.
 */

/** Buckets an experiment's users are hashed into; an arm owns a contiguous range of them. */
export const BUCKETS = 10_000;

const encoder = new TextEncoder();

/** 32-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: every input bit affects every output bit (avalanche). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed 32-bit hash of a string. */
export const hash32 = (text: string): number => fmix32(fnv1a32(text));

/**
 * The bucket (0 … BUCKETS-1) of a user in an experiment: hash(salt + ":" + userId) mod BUCKETS.
 * (2^32 mod 10,000 leaves a bias of under 3·10⁻⁶ per bucket.)
 */
export function bucketOf(salt: string, userId: string): number {
  return hash32(`${salt}:${userId}`) % BUCKETS;
}

/** A short pseudonymous key for a user in event logs (the raw id is never logged). */
export const unitOf = (userId: string): string => hash32(`unit:${userId}`).toString(16).padStart(8, "0");
