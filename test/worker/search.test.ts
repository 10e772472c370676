import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { words } from "../../src/core/tokenizer/word-tokenizer.ts";
import { seedSample, sampleProducts } from "./seed.ts";

const get = (path: string) => exports.default.fetch(new Request(`http://edgespan.test${path}`));

let version: string;
beforeAll(async () => {
  version = (await seedSample()).manifest.version;
});

describe("GET /v1/search", () => {
  it("answers from the index in KV with products, scores and matched spans", async () => {
    const res = await get("/v1/search?q=matte%20black%20door%20knob&k=5");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { strategy: string; served: string; index: string; hits: { id: string; title: string; score: number; spans: { text: string; start: number; length: number }[]; highlights: { start: number; end: number }[] }[] };
    expect(body.strategy).toBe("lexical"); // the default: the generative path...
    expect(body.served).toBe("fm-ngram"); // ...which falls back, the sample version has no span model
    expect(res.headers.get("X-Fallback")).toBe("index version has no span model (and the Worker bundles none)");
    expect(body.index).toBe(version);
    expect(body.hits).toHaveLength(5);
    for (const hit of body.hits) {
      expect(hit.title.toLowerCase()).toContain("door knob");
      expect(sampleProducts.find((p) => p.id === hit.id)?.title).toBe(hit.title);
      expect(hit.spans.length).toBeGreaterThan(0);
      // each span's offset points at its tokens in the title
      const tokens = words(hit.title);
      for (const span of hit.spans) expect(tokens.slice(span.start, span.start + span.length).join(" ")).toBe(span.text);
      // highlights mark the same words in the display title
      const marked = hit.highlights.map((h) => hit.title.slice(h.start, h.end).toLowerCase()).join(" ");
      expect(marked).toContain("door knob");
    }
    const scores = body.hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const timing = res.headers.get("Server-Timing") ?? "";
    for (const phase of ["manifest", "tokenize", "index", "docs", "score", "total"]) expect(timing).toContain(`${phase};dur=`);
  });

  it("returns an empty list for a query with no known word", async () => {
    const res = await get("/v1/search?q=zzzqqq");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { hits: unknown[] }).hits).toEqual([]);
  });

  it.each([
    ["", "q", "q is required"],
    ["?q=", "q", "q must not be empty"],
    ["?q=%20%20", "q", "q must not be empty"],
    [`?q=${"a".repeat(257)}`, "q", "at most 256"],
    ["?q=knob&k=0", "k", "between 1 and 100"],
    ["?q=knob&k=101", "k", "between 1 and 100"],
    ["?q=knob&k=ten", "k", "whole number"],
    ["?q=knob&k=-1", "k", "whole number"],
    ["?q=knob&k=1.5", "k", "whole number"],
    ["?q=knob&strategy=magic", "strategy", "strategy must be one of"],
  ])("rejects %s with 400 naming the field", async (qs, field, message) => {
    const res = await get(`/v1/search${qs}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(body.error.field).toBe(field);
    expect(body.error.message).toContain(message);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await get("/v2/nothing");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("GET /openapi.json", () => {
  it("describes the search API from the schemas that validate it", async () => {
    const res = await get("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, { get: { parameters: { name: string }[] } }>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/v1/search"]!.get.parameters.map((p) => p.name).sort()).toEqual(["arm", "k", "q", "qa", "strategy", "x-user-id"]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["SearchResponse", "SearchHit", "MatchedSpan", "Error"]));
  });
});

describe("GET /health", () => {
  it("reports the serving index version", async () => {
    const res = await get("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", index: { version, products: sampleProducts.length } });
  });
});

describe("KV", () => {
  it("holds the chunks the manifest names, as binary values", async () => {
    const current = await env.INDEX.get("manifest/current", "json");
    expect(current).toMatchObject({ version });
    const list = await env.INDEX.list({ prefix: "chunk/" });
    expect(list.keys.length).toBeGreaterThan(3);
  });
});
