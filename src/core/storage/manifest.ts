/**
 * The manifest names every content-hashed chunk of one index version (Pagefind-style). Readers
 * pin one manifest per request, and chunks are immutable and addressed by hash, so a request can
 * never mix two versions. Publishing writes chunks first and the `manifest/current` pointer last.
 */
import type { SpanModelFiles, SpanModelShape } from "../model/span-session.ts";

export const MANIFEST_FORMAT = 1;
export const CURRENT_MANIFEST_KEY = "manifest/current";
export const manifestKey = (version: string): string => `manifest/${version}`;
export const chunkKey = (hash: string): string => `chunk/${hash}`;

export interface ChunkRef {
  /** SHA-256 of the chunk bytes, hex. */
  readonly hash: string;
  readonly size: number;
}

/** One binary artifact (index, document store, tokenizer) cut into fixed-size chunks. */
export interface ArtifactRef {
  readonly bytes: number;
  readonly chunkSize: number;
  readonly chunks: readonly ChunkRef[];
  /** Bytes a reader needs first (preamble and header), where the artifact has a header. */
  readonly headerBytes?: number;
}

export interface Manifest {
  readonly format: number;
  /** Index version: derived from the content, so rebuilding the same catalog gives the same version. */
  readonly version: string;
  readonly createdAt: string;
  readonly catalog: { readonly products: number; readonly tokens: number; readonly source?: string };
  readonly tokenizer: { readonly kind: string; readonly vocabSize: number };
  readonly artifacts: {
    readonly index: ArtifactRef;
    readonly docs: ArtifactRef;
    readonly tokenizer: ArtifactRef;
    /** Past-query index for autocomplete (optional: versions built without a query log lack it). */
    readonly queries?: ArtifactRef;
    /** The span model's files (optional: without them `lexical` falls back to fm-ngram). */
    readonly modelEncoder?: ArtifactRef;
    readonly modelDecoderStep?: ArtifactRef;
    readonly modelTokenScores?: ArtifactRef;
    readonly modelTokenTable?: ArtifactRef;
  };
  /** Shape of the span model, when the version carries one (its vocabulary is the tokenizer's). */
  readonly model?: SpanModelShape;
}

/** The artifact that carries each file of a span model export. */
export const MODEL_ARTIFACTS = {
  modelEncoder: "encoder",
  modelDecoderStep: "decoderStep",
  modelTokenScores: "tokenScores",
  modelTokenTable: "tokenTable",
} as const satisfies Record<string, keyof SpanModelFiles>;

const MODEL_ARTIFACT_NAMES = Object.keys(MODEL_ARTIFACTS) as (keyof typeof MODEL_ARTIFACTS)[];
const OPTIONAL_ARTIFACTS = new Set<string>(["queries", ...MODEL_ARTIFACT_NAMES]);

export function parseManifest(bytes: Uint8Array | string, where = "manifest"): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  const m = value as Manifest;
  if (typeof m !== "object" || m === null) throw new Error(`${where}: not an object`);
  if (m.format !== MANIFEST_FORMAT) throw new Error(`${where}: format ${String(m.format)}, this build reads ${MANIFEST_FORMAT}`);
  if (typeof m.version !== "string" || m.version === "") throw new Error(`${where}: missing version`);
  for (const name of ["index", "docs", "tokenizer", "queries", ...MODEL_ARTIFACT_NAMES] as const) {
    const a = m.artifacts?.[name];
    if (OPTIONAL_ARTIFACTS.has(name) && a === undefined) continue;
    if (!a || !Array.isArray(a.chunks) || typeof a.bytes !== "number" || typeof a.chunkSize !== "number") {
      throw new Error(`${where}: artifact "${name}" is missing or malformed`);
    }
    const total = a.chunks.reduce((sum, c) => sum + c.size, 0);
    if (total !== a.bytes) throw new Error(`${where}: artifact "${name}" chunks add up to ${total}, expected ${a.bytes}`);
  }
  if (MODEL_ARTIFACT_NAMES.some((name) => (m.model === undefined) !== (m.artifacts[name] === undefined))) {
    throw new Error(`${where}: a span model needs its shape and all of ${MODEL_ARTIFACT_NAMES.join(", ")}`);
  }
  if (m.model && typeof m.model.embed_dim !== "number") throw new Error(`${where}: the span model's shape lacks embed_dim`);
  return m;
}

/** All chunk hashes a manifest references. */
export function referencedChunks(m: Manifest): Set<string> {
  const out = new Set<string>();
  for (const a of Object.values(m.artifacts)) for (const c of a.chunks) out.add(c.hash);
  return out;
}
