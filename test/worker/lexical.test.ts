/**
 * The generative path in workerd: a version whose manifest carries a span model (the tiny
 * fixture model, with the tiny WordPiece vocabulary it was exported for) serves `lexical`.
 */
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts } from "../../src/core/artifacts.ts";
import { publish } from "../../src/core/storage/publish.ts";
import { WordPieceTokenizer } from "../../src/core/tokenizer/wordpiece.ts";
import { KvBlobStore } from "../../src/worker/kv-blob-store.ts";
import { TINY_SHAPE, TINY_TITLES, TINY_VOCAB } from "../support/tiny-span-model.ts";
import { TINY_FILES } from "./tiny-files.ts";

interface Body {
  strategy: string;
  served: string;
  fallback?: string;
  hits: { title: string; spans: { text: string }[] }[];
  corrections?: { from: string; to: string }[];
}
const get = (path: string) => exports.default.fetch(new Request(`http://edgespan.test${path}`));

beforeAll(async () => {
  const built = await buildArtifacts(
    TINY_TITLES.map((title, i) => ({ id: `p${i}`, title })),
    {
      tokenizer: new WordPieceTokenizer(TINY_VOCAB),
      chunkSize: 4096,
      model: { shape: TINY_SHAPE, files: TINY_FILES },
    },
  );
  await publish(new KvBlobStore(env.INDEX), built.manifest, built.chunks);
});

describe("GET /v1/search, strategy lexical", () => {
  it("serves the generative path when the version carries a span model", async () => {
    const res = await get("/v1/search?q=black%20door%20knob&k=3");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body).toMatchObject({ strategy: "lexical", served: "lexical" });
    expect(body.fallback).toBeUndefined();
    expect(body.hits.length).toBeGreaterThan(0);
    for (const hit of body.hits) {
      for (const span of hit.spans) expect(hit.title.toLowerCase()).toContain(span.text.replace(/ ##/gu, ""));
    }
    expect(res.headers.get("Server-Timing")).toContain("decode;dur=");
  });

  it("searches a misspelled word as its closest catalog word, and says so", async () => {
    const body = (await (await get("/v1/search?q=gaden%20hose&k=3")).json()) as Body;
    expect(body.served).toBe("lexical");
    expect(body.corrections).toEqual([{ from: "gaden", to: "garden" }]);
    expect(body.hits[0]!.title).toMatch(/garden hose/iu);
    const exact = (await (await get("/v1/search?q=garden%20hose&k=3")).json()) as Body;
    expect(exact.corrections).toBeUndefined();
    // Past the query's token limit words are neither searched nor corrected (nor loaded: no 500).
    const long = await get(`/v1/search?q=${encodeURIComponent(`${"door ".repeat(32)}gaden hoes`)}&k=3`);
    expect(long.status).toBe(200);
    expect(((await long.json()) as Body).corrections).toBeUndefined();
  });

  it("still serves the model-free path when it is asked for", async () => {
    const body = (await (await get("/v1/search?q=black%20door%20knob&k=3&strategy=fm-ngram")).json()) as Body;
    expect(body).toMatchObject({ strategy: "fm-ngram", served: "fm-ngram" });
  });
});
