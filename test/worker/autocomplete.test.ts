import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { words } from "../../src/core/tokenizer/word-tokenizer.ts";
import { sampleProducts, sampleQueries, seedSample } from "./seed.ts";

const get = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://edgespan.test${path}`, init));

interface Body {
  query: string;
  index: string;
  suggestions: { text: string; source: "query" | "title"; score: number }[];
}

let version: string;
beforeAll(async () => {
  version = (await seedSample()).manifest.version;
});

const titlePhrases = sampleProducts.map((p) => ` ${words(p.title).join(" ")} `);

describe("GET /v1/autocomplete", () => {
  it("completes a partial word from past queries and titles, ranked, cacheable, CORS-open", async () => {
    const res = await get("/v1/autocomplete?q=door%20k");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=60");
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const timing = res.headers.get("Server-Timing") ?? "";
    for (const phase of ["manifest", "parse", "queries", "titles", "merge", "total"]) expect(timing).toContain(`${phase};dur=`);
    const body = (await res.json()) as Body;
    expect(body.query).toBe("door k");
    expect(body.index).toBe(version);
    expect(body.suggestions.length).toBeGreaterThan(0);
    expect(body.suggestions.length).toBeLessThanOrEqual(8);
    expect(body.suggestions[0]).toMatchObject({ text: "door knob", source: "query" });
    const scores = body.suggestions.map((s) => s.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const keys = body.suggestions.map((s) => words(s.text).join(" "));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("suggests title phrases that exist in the catalog after complete words", async () => {
    const res = await get("/v1/autocomplete?q=bluebird%20matte%20black%20p&k=5");
    const body = (await res.json()) as Body;
    expect(body.suggestions.length).toBeGreaterThan(0);
    for (const s of body.suggestions) {
      expect(s.text.startsWith("bluebird matte black p")).toBe(true);
      if (s.source === "title") expect(titlePhrases.some((t) => t.includes(` ${s.text} `))).toBe(true);
    }
  });

  it("suggests logged queries for real prefixes of the sample query log", async () => {
    const popular = [...sampleQueries].sort((a, b) => b.count - a.count).slice(0, 10);
    for (const q of popular) {
      const prefix = q.text.slice(0, Math.max(2, q.text.length - 2));
      const body = (await (await get(`/v1/autocomplete?q=${encodeURIComponent(prefix)}&k=20`)).json()) as Body;
      expect(body.suggestions.map((s) => s.text)).toContain(q.text);
    }
  });

  it("treats a trailing space as the end of a word", async () => {
    const body = (await (await get("/v1/autocomplete?q=garden%20")).json()) as Body;
    expect(body.suggestions[0]!.text).toBe("garden hose");
  });

  it("honours k and answers an unknown prefix with no suggestions", async () => {
    expect(((await (await get("/v1/autocomplete?q=b&k=3")).json()) as Body).suggestions).toHaveLength(3);
    expect(((await (await get("/v1/autocomplete?q=zzqqxx")).json()) as Body).suggestions).toEqual([]);
  });

  it("answers a CORS preflight", async () => {
    const res = await get("/v1/autocomplete?q=door", {
      method: "OPTIONS",
      headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "GET" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Methods")).toContain("GET");
  });

  it.each([
    ["", "q", "q is required"],
    ["?q=", "q", "q must not be empty"],
    ["?q=%20%20", "q", "q must not be empty"],
    [`?q=${"a".repeat(257)}`, "q", "at most 256"],
    ["?q=door&k=0", "k", "between 1 and 20"],
    ["?q=door&k=21", "k", "between 1 and 20"],
    ["?q=door&k=eight", "k", "whole number"],
    ["?q=door&k=-1", "k", "whole number"],
  ])("rejects %s with 400 naming the field", async (qs, field, message) => {
    const res = await get(`/v1/autocomplete${qs}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const body = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(body.error.code).toBe("invalid_parameter");
    expect(body.error.field).toBe(field);
    expect(body.error.message).toContain(message);
  });

  it("is described in /openapi.json", async () => {
    const doc = (await (await get("/openapi.json")).json()) as {
      paths: Record<string, { get: { parameters: { name: string }[] } }>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths["/v1/autocomplete"]!.get.parameters.map((p) => p.name).sort()).toEqual(["k", "q"]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["AutocompleteResponse", "Suggestion"]));
  });
});
