/**
 * The origin client against a real HTTP server on loopback that checks the signature with
 * node:crypto (an implementation independent of the client's crypto.subtle) and answers as told.
 */
import { createHmac } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/core/resilience/circuit-breaker.ts";
import { OriginClient, signRequest } from "../../src/worker/origin-client.ts";

const SECRET = "origin-client-test-secret";
type Behaviour = { status?: number; body?: string; delayMs?: number };
let behaviour: Behaviour = {};
const seen: { body: string; signatureOk: boolean; timestamp: number }[] = [];
let server: Server;
let url: string;

const HITS = { query: "drill", k: 2, mode: "semantic-adaptive", hits: [{ id: "P1", title: "Cordless Drill", score: -0.2, sid: [4, 1, 7] }, { id: "P2", title: "Drill Bits", score: -0.9, sid: null }], timings: { total: 3.5, decode: null } };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const timestamp = String(req.headers["x-edgespan-timestamp"] ?? "");
      const expected = createHmac("sha256", SECRET).update(`${timestamp}.${body}`).digest("hex");
      seen.push({ body, signatureOk: req.headers["x-edgespan-signature"] === expected, timestamp: Number(timestamp) });
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(behaviour.status ?? 200, { "Content-Type": "application/json" });
        res.end(behaviour.body ?? JSON.stringify(HITS));
      };
      setTimeout(answer, behaviour.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections(); // keep-alive sockets of the client would hold close() open
      server.close(() => resolve());
    }),
);
beforeEach(() => {
  behaviour = {};
  seen.length = 0;
});

const client = (timeoutMs = 1000, breaker = new CircuitBreaker()) => new OriginClient({ url: `${url}/`, secret: SECRET, timeoutMs }, breaker);

describe("OriginClient", () => {
  it("posts a signed request and returns the hits as search hits with their sid", async () => {
    const result = await client().search("drill", 2, "semantic");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.signatureOk).toBe(true);
    expect(Math.abs(seen[0]!.timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(JSON.parse(seen[0]!.body)).toEqual({ query: "drill", k: 2, mode: "semantic" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.hits).toEqual([
      { id: "P1", title: "Cordless Drill", score: -0.2, spans: [], highlights: [], sid: [4, 1, 7] },
      { id: "P2", title: "Drill Bits", score: -0.9, spans: [], highlights: [] },
    ]);
    expect(result.timings).toEqual({ total: 3.5 });
  });

  it("signs as the contract says: hex HMAC-SHA256 of '<timestamp>.<body>'", async () => {
    const body = '{"query":"x","k":1}';
    expect(await signRequest(SECRET, 1700000000, body)).toBe(createHmac("sha256", SECRET).update(`1700000000.${body}`).digest("hex"));
  });

  it.each([
    ["a 401", { status: 401, body: '{"error":{"code":"unauthorized","message":"bad signature"}}' }, "origin error: HTTP 401"],
    ["a 503", { status: 503, body: "" }, "origin error: HTTP 503"],
    ["a body that is not JSON", { body: "<html>oops</html>" }, "origin error: response is not JSON"],
    ["a hit with a string score", { body: '{"hits":[{"id":"P1","title":"t","score":"high","sid":null}]}' }, "origin error: unexpected response: hits.0.score"],
    ["JSON without hits", { body: '{"results":[]}' }, "origin error: unexpected response: hits"],
    ["more than 100 hits", { body: JSON.stringify({ hits: Array.from({ length: 101 }, (_, i) => ({ id: `P${i}`, title: "t", score: 0, sid: null })) }) }, "origin error: unexpected response: hits"],
    ["a body over 512 KiB", { body: `{"hits":[],"pad":"${"x".repeat(600 * 1024)}"}` }, "origin error: response larger than"],
  ])("fails on %s", async (_label, answer, reason) => {
    behaviour = answer;
    const result = await client().search("drill", 2);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it("gives up at the time budget", async () => {
    behaviour = { delayMs: 2000 };
    const started = performance.now();
    const result = await client(150).search("drill", 2);
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ ok: false, reason: "origin timeout" });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(150 + 200);
    // a per-call allowance (what is left of a request's budget) overrides the configured one
    const t = performance.now();
    expect(await client(5000).search("drill", 2, "semantic-adaptive", 100)).toMatchObject({ ok: false, reason: "origin timeout" });
    expect(performance.now() - t).toBeLessThan(100 + 200);
  });

  it("reports a refused connection as an origin error", async () => {
    const closed = new OriginClient({ url: "http://127.0.0.1:9", secret: SECRET, timeoutMs: 1000 }, new CircuitBreaker());
    const result = await closed.search("drill", 2);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^origin error: /u);
  });

  it("opens the breaker after 3 failures and stops calling; a later success closes it", async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ now: () => now });
    const c = client(1000, breaker);
    behaviour = { status: 500, body: "" };
    for (let i = 0; i < 3; i++) expect((await c.search("drill", 2)).ok).toBe(false);
    expect(seen).toHaveLength(3);
    expect(await c.search("drill", 2)).toEqual({ ok: false, reason: "circuit open", ms: 0 });
    expect(seen).toHaveLength(3); // not called
    behaviour = {};
    now += 10_000;
    expect((await c.search("drill", 2)).ok).toBe(true); // the probe
    expect(breaker.state).toBe("closed");
  });
});
