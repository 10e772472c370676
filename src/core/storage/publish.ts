/**
 * Writing index versions into a BlobStore: cut artifacts into chunks, upload what the store lacks,
 * then switch the serving version by rewriting one pointer. Old versions are pruned explicitly.
 */
import type { BlobStore } from "./blob-store.ts";
import { sha256Hex } from "./hash.ts";
import {
  type ArtifactRef,
  CURRENT_MANIFEST_KEY,
  type Manifest,
  chunkKey,
  manifestKey,
  parseManifest,
  referencedChunks,
} from "./manifest.ts";

export const DEFAULT_CHUNK_SIZE = 128 * 1024;

export interface CutArtifact {
  readonly ref: ArtifactRef;
  readonly chunks: ReadonlyMap<string, Uint8Array>;
}

/** Cuts bytes into fixed-size chunks (the last may be shorter), each named by its SHA-256. */
export async function cutIntoChunks(bytes: Uint8Array, chunkSize: number, headerBytes?: number): Promise<CutArtifact> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1024 || chunkSize > 25 * 1024 * 1024) {
    throw new RangeError("chunk size must be an integer between 1 KiB and 25 MiB (the Workers KV value limit)");
  }
  const chunks = new Map<string, Uint8Array>();
  const refs = [];
  for (let offset = 0; offset < bytes.length || offset === 0; offset += chunkSize) {
    const chunk = bytes.slice(offset, offset + chunkSize);
    const hash = await sha256Hex(chunk);
    chunks.set(hash, chunk);
    refs.push({ hash, size: chunk.length });
    if (bytes.length === 0) break;
  }
  const ref: ArtifactRef = { bytes: bytes.length, chunkSize, chunks: refs, ...(headerBytes !== undefined && { headerBytes }) };
  return { ref, chunks };
}

export interface PublishReport {
  readonly version: string;
  readonly chunksWritten: number;
  readonly chunksReused: number;
  readonly bytesWritten: number;
  readonly switched: boolean;
}

/** Uploads a version's chunks and manifest; switches the pointer unless `activate` is false. */
export async function publish(
  store: BlobStore,
  manifest: Manifest,
  chunks: ReadonlyMap<string, Uint8Array>,
  options: { activate?: boolean; dryRun?: boolean } = {},
): Promise<PublishReport> {
  const existing = new Set(await store.list("chunk/"));
  let chunksWritten = 0;
  let bytesWritten = 0;
  for (const [hash, bytes] of chunks) {
    if (existing.has(chunkKey(hash))) continue;
    if (!options.dryRun) await store.put(chunkKey(hash), bytes);
    chunksWritten++;
    bytesWritten += bytes.length;
  }
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const activate = options.activate ?? true;
  if (!options.dryRun) {
    await store.put(manifestKey(manifest.version), manifestBytes);
    if (activate) await store.put(CURRENT_MANIFEST_KEY, manifestBytes);
  }
  return {
    version: manifest.version,
    chunksWritten,
    chunksReused: chunks.size - chunksWritten,
    bytesWritten: bytesWritten + manifestBytes.length * (activate ? 2 : 1),
    switched: activate && !options.dryRun,
  };
}

export async function readManifest(store: BlobStore, key = CURRENT_MANIFEST_KEY): Promise<Manifest | null> {
  const [bytes] = await store.getMany([key]);
  return bytes ? parseManifest(bytes, key) : null;
}

/** Points the serving pointer at an already published version. */
export async function activate(store: BlobStore, version: string): Promise<Manifest> {
  const manifest = await readManifest(store, manifestKey(version));
  if (!manifest) throw new Error(`version ${version} is not published`);
  await store.put(CURRENT_MANIFEST_KEY, new TextEncoder().encode(JSON.stringify(manifest)));
  return manifest;
}

/** Published versions, newest first, with the serving one marked. */
export async function listVersions(store: BlobStore): Promise<{ manifest: Manifest; current: boolean }[]> {
  const current = await readManifest(store);
  const manifests: Manifest[] = [];
  for (const key of await store.list("manifest/")) {
    if (key === CURRENT_MANIFEST_KEY) continue;
    const m = await readManifest(store, key);
    if (m) manifests.push(m);
  }
  manifests.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return manifests.map((manifest) => ({ manifest, current: manifest.version === current?.version }));
}

/**
 * Deletes the manifests of all but the `keep` newest versions (never the serving one), then the
 * chunks no remaining manifest references. With `dryRun`, only reports what it would delete.
 */
export async function prune(
  store: BlobStore,
  keep = 1,
  options: { dryRun?: boolean } = {},
): Promise<{ manifests: string[]; chunks: number }> {
  const versions = await listVersions(store);
  const kept = versions.filter((v, i) => i < keep || v.current).map((v) => v.manifest);
  const removed = versions.map((v) => v.manifest).filter((m) => !kept.includes(m));
  const live = new Set<string>();
  for (const m of kept) for (const h of referencedChunks(m)) live.add(h);
  const current = versions.find((v) => v.current);
  if (!current) {
    const pointer = await readManifest(store);
    if (pointer) for (const h of referencedChunks(pointer)) live.add(h); // pointer without its versioned copy
  }
  // Manifests first: at no point does a manifest name a chunk that is gone.
  if (!options.dryRun) for (const m of removed) await store.delete(manifestKey(m.version));
  let chunks = 0;
  for (const key of await store.list("chunk/")) {
    if (live.has(key.slice("chunk/".length))) continue;
    if (!options.dryRun) await store.delete(key);
    chunks++;
  }
  return { manifests: removed.map((m) => m.version), chunks };
}
