/**
 * A span model bundled with the Worker (src/worker/index-bundled.ts): a version published without
 * a model serves `lexical` from the bundle; the default Worker falls back; a bundled model whose
 * vocabulary is not the version's tokenizer is refused with a reason.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts } from "../../src/core/artifacts.ts";
import { publish } from "../../src/core/storage/publish.ts";
import { WordPieceTokenizer } from "../../src/core/tokenizer/wordpiece.ts";
import { createApp } from "../../src/worker/app.ts";
import { KvBlobStore } from "../../src/worker/kv-blob-store.ts";
import { TINY_SHAPE, TINY_TITLES, TINY_VOCAB } from "../support/tiny-span-model.ts";
import { TINY_FILES } from "./tiny-files.ts";

interface Body {
  served: string;
  fallback?: string;
  hits: { title: string }[];
}

beforeAll(async () => {
  // a WordPiece version with no model of its own
  const built = await buildArtifacts(TINY_TITLES.map((title, i) => ({ id: `p${i}`, title })), { tokenizer: new WordPieceTokenizer(TINY_VOCAB), chunkSize: 4096 });
  expect(built.manifest.model).toBeUndefined();
  await publish(new KvBlobStore(env.INDEX), built.manifest, built.chunks);
});

const search = async (app: ReturnType<typeof createApp>): Promise<Body> => {
  const res = await app.request("/v1/search?q=black%20door%20knob&k=3", {}, env);
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
};

describe("span model bundled with the Worker", () => {
  it("serves lexical for a version without a model of its own", async () => {
    const body = await search(createApp({ bundledModel: { shape: TINY_SHAPE, files: TINY_FILES } }));
    expect(body.served).toBe("lexical");
    expect(body.fallback).toBeUndefined();
    expect(body.hits.length).toBeGreaterThan(0);
  });

  it("without a bundle, the same version falls back and says why", async () => {
    const body = await search(createApp());
    expect(body).toMatchObject({ served: "fm-ngram", fallback: "index version has no span model (and the Worker bundles none)" });
  });

  it("refuses a bundled model whose vocabulary is not the version's tokenizer", async () => {
    const body = await search(createApp({ bundledModel: { shape: { ...TINY_SHAPE, vocab_size: TINY_SHAPE.vocab_size + 1 }, files: TINY_FILES } }));
    expect(body.served).toBe("fm-ngram");
    expect(body.fallback).toMatch(/vocabulary/u);
  });
});
