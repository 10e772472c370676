/**
 * Strategy `hybrid` inside workerd, against real KV and the real Cache API. The origin here is a
 * loopback port nothing listens on (the end-to-end test, test/e2e/hybrid-origin.test.ts, runs a
 * real one): what is checked is that the Worker answers 200 with lexical hits whatever the origin
 * does, and that a cached answer is served without calling it.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/worker/index.ts";
import type { Env } from "../../src/worker/isolate.ts";
import { DEFAULT_MODE } from "../../src/worker/origin-client.ts";
import { ResultCache } from "../../src/worker/result-cache.ts";
import { seedSample } from "./seed.ts";

interface Hit {
  id: string;
  title: string;
  score: number;
  spans: unknown[];
  sid?: number[];
}
interface Body {
  strategy: string;
  served: string;
  index: string;
  hits: Hit[];
  cacheHit: boolean;
  degraded: boolean;
  degradedReason?: string;
}

// Whatever a developer's .dev.vars says (wrangler.toml's config reads it): no origin.
const NO_ORIGIN = { ORIGIN_URL: undefined };
// Port 9 (discard) has no listener on loopback: every call fails fast with a refused connection.
const CLOSED_ORIGIN = { ORIGIN_URL: "http://127.0.0.1:9", ORIGIN_SECRET: "test-origin-secret" };

/** Calls the Worker with extra bindings (the origin's), waiting for its background work (the cache write). */
async function search(qs: string, extra: Partial<Env> = {}): Promise<{ res: Response; body: Body }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://edgespan.test/v1/search?${qs}`), { ...env, ...extra }, ctx);
  await waitOnExecutionContext(ctx);
  return { res, body: (await res.json()) as Body };
}

let version: string;
beforeAll(async () => {
  version = (await seedSample()).manifest.version;
});

describe("strategy hybrid", () => {
  it("without ORIGIN_URL answers 200 with the lexical hits, degraded", async () => {
    const lexical = (await (await exports.default.fetch(new Request("http://edgespan.test/v1/search?q=black%20door%20knob&k=5&strategy=fm-ngram"))).json()) as Body;
    const { res, body } = await search("q=black%20door%20knob&k=5&strategy=hybrid", NO_ORIGIN);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ strategy: "hybrid", served: "fm-ngram", cacheHit: false, degraded: true, degradedReason: "origin not configured", index: version });
    expect(body.hits.map((h) => h.id)).toEqual(lexical.hits.map((h) => h.id));
    expect(body.hits[0]!.spans.length).toBeGreaterThan(0);
    expect(res.headers.get("X-Fallback")).toMatch(/^index version has no span model/u); // the lexical half fell back
    const timing = res.headers.get("Server-Timing") ?? "";
    for (const phase of ["cache", "origin", "fuse", "index", "total"]) expect(timing).toContain(`${phase};dur=`);
  });

  it("says what is wrong with the origin's settings", async () => {
    const noSecret = await search("q=door%20knob&strategy=hybrid", { ORIGIN_URL: "http://127.0.0.1:9", ORIGIN_SECRET: undefined });
    expect(noSecret.body).toMatchObject({ degraded: true, degradedReason: "origin not configured: ORIGIN_SECRET is not set" });
    const badMode = await search("q=door%20knob&strategy=hybrid", { ...CLOSED_ORIGIN, ORIGIN_MODE: "telepathy" });
    expect(badMode.res.status).toBe(200);
    expect(badMode.body.degradedReason).toMatch(/^origin not configured: ORIGIN_MODE must be one of dense, .*semantic-adaptive/u);
  });

  it("a degraded answer is not cached: the same query misses again", async () => {
    await search("q=brass%20hinge&strategy=hybrid", CLOSED_ORIGIN);
    const { body } = await search("q=brass%20hinge&strategy=hybrid", CLOSED_ORIGIN);
    expect(body.cacheHit).toBe(false);
    expect(body.degraded).toBe(true);
  });

  it("says why when the origin is unreachable, then opens the circuit and stops calling it", async () => {
    const reasons: string[] = [];
    for (const q of ["cabinet pull", "ceiling fan", "garden hose", "door hinge"]) {
      const { res, body } = await search(`q=${encodeURIComponent(q)}&strategy=hybrid`, { ...CLOSED_ORIGIN, ORIGIN_TIMEOUT_MS: "2000" });
      expect(res.status).toBe(200);
      expect(body.degraded).toBe(true);
      expect(body.hits.length).toBeGreaterThan(0);
      reasons.push(body.degradedReason!);
    }
    for (const reason of reasons.slice(0, 3)) expect(reason).toMatch(/^origin error: /u);
    expect(reasons[3]).toBe("circuit open"); // 3 consecutive failures opened it
  });

  it("serves a cached answer without calling the origin, for any spelling of the query", async () => {
    // A complete answer, as the route stores one after a successful origin call.
    const cached = { served: "hybrid", hits: [{ id: "SKU-X", title: "Cached Door Knob", score: 0.03, spans: [], highlights: [], sid: [3, 1, 4] }] };
    await new ResultCache(60).put({ query: "Matte Black  Knob", strategy: `hybrid/${DEFAULT_MODE}`, k: 10, index: version }, cached);
    // The origin is unreachable and slow to give up: only the cache can answer this fast.
    const extra = { ORIGIN_URL: "http://127.0.0.1:9", ORIGIN_SECRET: "other-secret", ORIGIN_TIMEOUT_MS: "5000" };
    const { res, body } = await search("q=matte%20black%20knob&strategy=hybrid", extra);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ served: "hybrid", cacheHit: true, degraded: false, hits: cached.hits });
    expect(body).not.toHaveProperty("degradedReason");
    expect(res.headers.get("Server-Timing")).toContain("cache;dur=");
    expect(res.headers.get("Server-Timing")).not.toContain("origin;dur=");
    // k, the origin's mode and the index version are part of the key
    expect((await search("q=matte%20black%20knob&k=9&strategy=hybrid", extra)).body.cacheHit).toBe(false);
    expect((await search("q=matte%20black%20knob&strategy=hybrid", { ...extra, ORIGIN_MODE: "dense" })).body.cacheHit).toBe(false);
    await new ResultCache(60).put({ query: "steel knob", strategy: `hybrid/${DEFAULT_MODE}`, k: 10, index: "some-older-version" }, cached);
    expect((await search("q=steel%20knob&strategy=hybrid", extra)).body.cacheHit).toBe(false);
  });

  it("other strategies answer as before, never from the cache", async () => {
    const { body } = await search("q=matte%20black%20knob&strategy=fm-ngram");
    expect(body).toMatchObject({ strategy: "fm-ngram", served: "fm-ngram", cacheHit: false, degraded: false });
    expect(body).not.toHaveProperty("degradedReason");
  });

  it.each([
    ["q=&strategy=hybrid", "q"],
    ["q=knob&k=0&strategy=hybrid", "k"],
    ["q=knob&strategy=hybridx", "strategy"],
  ])("rejects %s with 400 naming the field", async (qs, field) => {
    const { res, body } = await search(qs, CLOSED_ORIGIN);
    expect(res.status).toBe(400);
    expect((body as unknown as { error: { field: string } }).error.field).toBe(field);
  });

  it("lists hybrid and the new response fields in /openapi.json", async () => {
    const doc = (await (await exports.default.fetch(new Request("http://edgespan.test/openapi.json"))).json()) as {
      paths: Record<string, { get: { parameters: { name: string; schema: { enum?: string[] } }[] } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    };
    const strategy = doc.paths["/v1/search"]!.get.parameters.find((p) => p.name === "strategy")!;
    expect(strategy.schema.enum).toContain("hybrid");
    const response = doc.components.schemas["SearchResponse"]!;
    expect(response.required).toEqual(expect.arrayContaining(["cacheHit", "degraded"]));
    expect(Object.keys(response.properties)).toContain("degradedReason");
    expect(Object.keys(doc.components.schemas["SearchHit"]!.properties)).toContain("sid");
  });
});
