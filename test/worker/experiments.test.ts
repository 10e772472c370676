/** A/B experiments inside workerd against real KV: assignment, stickiness, QA overrides, events. */
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { assignArm } from "../../src/core/experiments/assign.ts";
import { EXPERIMENT_KEY, type Experiment } from "../../src/core/experiments/config.ts";
import { asEvent, type ExperimentEvent } from "../../src/core/experiments/events.ts";
import { unitOf } from "../../src/core/experiments/hash.ts";
import { mintQaToken } from "../../src/core/experiments/qa-token.ts";
import { seedSample } from "./seed.ts";

const EXPERIMENT: Experiment = {
  id: "seal-vs-ngram",
  salt: "test-salt-1",
  status: "active",
  arms: [
    { name: "A", weight: 50, strategy: "fm-ngram" },
    { name: "B", weight: 50, strategy: "fm-ngram-seal" },
  ],
};

interface Body {
  strategy: string;
  served?: string;
  hits: unknown[];
  experiment: { id: string; arm: string; source: string } | null;
}

const get = (path: string, headers: Record<string, string> = {}) => exports.default.fetch(new Request(`http://edgespan.test${path}`, { headers }));
const putExperiment = (doc: unknown) => env.INDEX.put(EXPERIMENT_KEY, typeof doc === "string" ? doc : JSON.stringify(doc));
const cookieOf = (res: Response) => /edgespan_uid=([^;]+)/u.exec(res.headers.get("Set-Cookie") ?? "")?.[1];

/** A user id whose natural arm (by hash) is `arm`. */
function userIn(arm: string, prefix = "user"): string {
  for (let i = 0; i < 1000; i++) if (assignArm(EXPERIMENT, `${prefix}-${i}`).arm.name === arm) return `${prefix}-${i}`;
  throw new Error(`no user in ${arm}`);
}

/** The sink's events of one user (other tests' writes may still be landing). */
async function sinkEvents(userId: string, expected: number): Promise<ExperimentEvent[]> {
  // written through waitUntil after the response: poll, bounded
  for (let attempt = 0; attempt < 100; attempt++) {
    const list = await env.EVENTS!.list({ prefix: "events/" });
    const mine = list.keys.map((k) => asEvent(k.metadata)).filter((e) => e?.unit === unitOf(userId)) as ExperimentEvent[];
    if (mine.length >= expected) return mine;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${expected} events arrived`);
}

beforeAll(async () => {
  await seedSample();
});
// KV state is shared between the tests of a file: start each without an experiment.
beforeEach(async () => {
  await env.INDEX.delete(EXPERIMENT_KEY);
});
afterAll(async () => {
  await env.INDEX.delete(EXPERIMENT_KEY);
});

describe("A/B assignment on /v1/search", () => {
  it("without an experiment: the default strategy, no arm, no cookie", async () => {
    const res = await get("/v1/search?q=door%20knob");
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Experiment-Arm")).toBeNull();
    expect(res.headers.get("Set-Cookie")).toBeNull();
    const body = (await res.json()) as Body;
    expect(body).toMatchObject({ strategy: "lexical", served: "fm-ngram" }); // the sample has no span model
    expect(body.experiment).toBeNull();
  });

  it("picks the experiment up from KV without a redeploy, and drops it when paused", async () => {
    await putExperiment(EXPERIMENT);
    const on = await get("/v1/search?q=door%20knob", { "X-User-Id": userIn("B") });
    expect(on.headers.get("X-Experiment-Arm")).toBe("seal-vs-ngram/B");
    expect(((await on.json()) as Body).strategy).toBe("fm-ngram-seal");

    await putExperiment({ ...EXPERIMENT, status: "paused" });
    const off = await get("/v1/search?q=door%20knob", { "X-User-Id": userIn("B") });
    expect(off.headers.get("X-Experiment-Arm")).toBeNull();
    expect((await off.json()) as Body).toMatchObject({ strategy: "lexical", served: "fm-ngram", experiment: null });
  });

  it("mints a user cookie on the first visit and keeps the user in one arm across requests", async () => {
    await putExperiment(EXPERIMENT);
    const first = await get("/v1/search?q=garden%20hose");
    expect(first.status).toBe(200);
    const setCookie = first.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/^edgespan_uid=[A-Za-z0-9_-]{22}; Max-Age=31536000; Path=\//u);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).not.toContain("Secure"); // plain http here; https requests get Secure
    const uid = cookieOf(first)!;
    const arm = assignArm(EXPERIMENT, uid).arm;
    expect(first.headers.get("X-Experiment-Arm")).toBe(`seal-vs-ngram/${arm.name}`);
    expect((await first.json()) as Body).toMatchObject({ strategy: arm.strategy, experiment: { id: "seal-vs-ngram", arm: arm.name, source: "hash" } });

    for (let i = 0; i < 5; i++) {
      const again = await get("/v1/search?q=garden%20hose", { Cookie: `edgespan_uid=${uid}` });
      expect(again.headers.get("Set-Cookie")).toBeNull(); // already has one
      expect(again.headers.get("X-Experiment-Arm")).toBe(`seal-vs-ngram/${arm.name}`);
      expect(((await again.json()) as Body).experiment?.arm).toBe(arm.name);
    }
    const https = await exports.default.fetch(new Request("https://edgespan.test/v1/search?q=hose"));
    expect(https.headers.get("Set-Cookie")).toContain("Secure");
  });

  it("assigns by X-User-Id, both arms serve their own strategy, and a named strategy bypasses the experiment", async () => {
    await putExperiment(EXPERIMENT);
    for (const [arm, strategy] of [["A", "fm-ngram"], ["B", "fm-ngram-seal"]] as const) {
      const res = await get("/v1/search?q=door%20knob", { "X-User-Id": userIn(arm) });
      expect(res.headers.get("Set-Cookie")).toBeNull();
      expect(res.headers.get("X-Experiment-Arm")).toBe(`seal-vs-ngram/${arm}`);
      expect((await res.json()) as Body).toMatchObject({ strategy, experiment: { arm } });
    }
    const named = await get("/v1/search?q=door%20knob&strategy=fm-ngram", { "X-User-Id": userIn("B") });
    expect(named.headers.get("X-Experiment-Arm")).toBeNull();
    expect((await named.json()) as Body).toMatchObject({ strategy: "fm-ngram", experiment: null });
  });

  it("rejects a malformed X-User-Id with 400 naming the header", async () => {
    await putExperiment(EXPERIMENT);
    const res = await get("/v1/search?q=knob", { "X-User-Id": "has space" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe("x-user-id");
  });

  it.each([
    ["not JSON", "{ nope"],
    ["weights that do not sum to 100", { ...EXPERIMENT, arms: [{ name: "A", weight: 50, strategy: "fm-ngram" }, { name: "B", weight: 40, strategy: "fm-ngram-seal" }] }],
    ["an unknown strategy", { ...EXPERIMENT, arms: [{ name: "A", weight: 50, strategy: "fm-ngram" }, { name: "B", weight: 50, strategy: "bm25" }] }],
  ])("serves 200 with the default strategy when the experiment in KV is invalid (%s)", async (_, doc) => {
    await putExperiment(doc);
    const res = await get("/v1/search?q=door%20knob", { "X-User-Id": userIn("B") });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Experiment-Arm")).toBeNull();
    expect((await res.json()) as Body).toMatchObject({ strategy: "lexical", served: "fm-ngram", experiment: null });
  });
});

describe("QA overrides", () => {
  const user = () => userIn("A");
  const now = () => Math.floor(Date.now() / 1000);
  const token = (arm: string, expiresAt = now() + 3600, secret = env.QA_SECRET!) => mintQaToken({ secret, experimentId: EXPERIMENT.id, arm, expiresAt });
  const qaGet = async (arm: string, qa: string | undefined) =>
    get(`/v1/search?q=door%20knob&arm=${arm}${qa === undefined ? "" : `&qa=${encodeURIComponent(qa)}`}`, { "X-User-Id": user() });

  it("puts the request in the named arm with a valid signed token", async () => {
    await putExperiment(EXPERIMENT);
    const res = await qaGet("B", await token("B"));
    expect(res.headers.get("X-Experiment-QA")).toBe("accepted");
    expect(res.headers.get("X-Experiment-Arm")).toBe("seal-vs-ngram/B");
    expect((await res.json()) as Body).toMatchObject({ strategy: "fm-ngram-seal", experiment: { arm: "B", source: "qa" } });
  });

  it("works while the experiment is paused (QA before launch)", async () => {
    await putExperiment({ ...EXPERIMENT, status: "paused" });
    const res = await qaGet("B", await token("B"));
    expect(res.headers.get("X-Experiment-QA")).toBe("accepted");
    expect(((await res.json()) as Body).experiment).toMatchObject({ arm: "B", source: "qa" });
  });

  it.each([
    ["unsigned", async () => undefined, "unsigned"],
    ["tampered", async () => (await token("B")).replace(/^./u, (ch) => (ch === "A" ? "B" : "A")), "bad_signature"],
    ["signed for another arm", async () => token("A"), "bad_signature"],
    ["signed with another secret", async () => token("B", now() + 3600, "not-the-secret"), "bad_signature"],
    ["expired", async () => token("B", now() - 1), "expired"],
    ["malformed", async () => "abc.def", "malformed"],
  ])("ignores a %s token and says why; the user keeps the hashed arm", async (_, make, reason) => {
    await putExperiment(EXPERIMENT);
    const res = await qaGet("B", await make());
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Experiment-QA")).toBe(`ignored; reason=${reason}`);
    expect(res.headers.get("X-Experiment-Arm")).toBe("seal-vs-ngram/A");
    expect(((await res.json()) as Body).experiment).toMatchObject({ arm: "A", source: "hash" });
  });

  it("ignores an arm the experiment does not have", async () => {
    await putExperiment(EXPERIMENT);
    const res = await qaGet("Z", await token("Z"));
    expect(res.headers.get("X-Experiment-QA")).toBe("ignored; reason=unknown_arm");
  });
});

describe("experiment events", () => {
  it("lands an exposure and an outcome per request in the local KV sink", async () => {
    await putExperiment(EXPERIMENT);
    const uid = userIn("B", "events-user");
    const res = await get("/v1/search?q=door%20knob", { "X-User-Id": uid });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const events = await sinkEvents(uid, 2);
    expect(events).toHaveLength(2);
    const exposure = events.find((e) => e.type === "exposure")!;
    const outcome = events.find((e) => e.type === "outcome")!;
    expect(exposure).toMatchObject({ experiment: "seal-vs-ngram", arm: "B", strategy: "fm-ngram-seal", weight: 50, source: "hash" });
    expect(outcome).toMatchObject({ experiment: "seal-vs-ngram", arm: "B", strategy: "fm-ngram-seal", status: 200, cacheHit: false, degraded: false });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
    expect(outcome.unit).toBe(exposure.unit);
    expect(outcome.unit).not.toContain(uid); // pseudonymous
    const keys = (await env.EVENTS!.list({ prefix: "events/seal-vs-ngram/" })).keys;
    expect(keys.every((k) => /^events\/seal-vs-ngram\/\d{13}-[eo]-[0-9a-f]{8}$/u.test(k.name))).toBe(true);
    // bounded: every event expires (EVENTS_TTL_SECONDS, 7 days)
    for (const k of keys) expect(k.expiration! - Date.now() / 1000).toBeGreaterThan(6 * 86_400);
  });

  it("writes nothing for a request outside the experiment or with bad input", async () => {
    await putExperiment(EXPERIMENT);
    await (await get("/v1/search?q=knob&strategy=fm-ngram", { "X-User-Id": "outsider-1" })).arrayBuffer();
    await (await get("/v1/search?q=knob&k=0", { "X-User-Id": "outsider-1" })).arrayBuffer();
    await (await get("/v1/search?q=knob", { "X-User-Id": "insider-1" })).arrayBuffer();
    await sinkEvents("insider-1", 2); // written after the others
    const units = (await env.EVENTS!.list({ prefix: "events/" })).keys.map((k) => asEvent(k.metadata)?.unit);
    expect(units).not.toContain(unitOf("outsider-1"));
  });

  it("has the Analytics Engine binding (Miniflare accepts and drops writes)", () => {
    expect(typeof env.ANALYTICS?.writeDataPoint).toBe("function");
    expect(() => env.ANALYTICS!.writeDataPoint({ indexes: ["x"], blobs: ["exposure"], doubles: [1] })).not.toThrow();
  });
});

describe("GET /openapi.json", () => {
  it("documents the experiment echo, the QA parameters and the user id header", async () => {
    const doc = (await (await get("/openapi.json")).json()) as {
      paths: Record<string, { get: { parameters: { name: string; in: string }[]; responses: Record<string, { headers?: Record<string, unknown> }> } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const op = doc.paths["/v1/search"]!.get;
    expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "x-user-id", in: "header" }), expect.objectContaining({ name: "arm", in: "query" }), expect.objectContaining({ name: "qa", in: "query" })]));
    expect(Object.keys(op.responses["200"]!.headers!)).toEqual(expect.arrayContaining(["X-Experiment-Arm", "X-Experiment-QA", "Set-Cookie"]));
    expect(doc.components.schemas.SearchResponse!.properties).toHaveProperty("experiment");
    expect(doc.components.schemas.ExperimentAssignment!.properties).toHaveProperty("arm");
  });
});
