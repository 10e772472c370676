import { describe, expect, it, vi } from "vitest";
import { armForBucket, armRanges, assignArm } from "../../src/core/experiments/assign.ts";
import { type Experiment, parseExperiment, validateExperiment } from "../../src/core/experiments/config.ts";
import { asEvent, eventKey, type ExperimentEvent, toDataPoint } from "../../src/core/experiments/events.ts";
import { BUCKETS, bucketOf, fnv1a32, hash32 } from "../../src/core/experiments/hash.ts";
import { mintQaToken, verifyQaToken } from "../../src/core/experiments/qa-token.ts";
import { abReport, experimentReport, formatReport, percentile } from "../../src/core/experiments/report.ts";
import { ExperimentSource } from "../../src/core/experiments/source.ts";
import { chiSquareGoodnessOfFit, chiSquarePValue } from "../../src/core/experiments/stats.ts";

const exp = (weights: number[], salt = "salt-1"): Experiment => ({
  id: "exp-1",
  salt,
  status: "active",
  arms: weights.map((weight, i) => ({ name: String.fromCharCode(65 + i), weight, strategy: i % 2 === 0 ? "fm-ngram" : "fm-ngram-seal" })),
});

/** Share of 100,000 synthetic users per arm. */
function shares(experiment: Experiment): number[] {
  const counts = new Map<string, number>();
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const arm = assignArm(experiment, `user-${i}-${(i * 2654435761) >>> 0}`).arm.name;
    counts.set(arm, (counts.get(arm) ?? 0) + 1);
  }
  return experiment.arms.map((a) => (100 * (counts.get(a.name) ?? 0)) / n);
}

describe("hashing", () => {
  it("is FNV-1a (known answers) with a murmur3 finalizer", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
    expect(hash32("a")).not.toBe(fnv1a32("a"));
    expect(fnv1a32("é")).toBe(fnv1a32("\u00e9")); // over UTF-8 bytes
  });

  it("spreads users uniformly over the buckets (chi-square over 100 bucket groups)", () => {
    const groups = new Array<number>(100).fill(0);
    for (let i = 0; i < 100_000; i++) groups[Math.floor(bucketOf("s", `u${i}`) / (BUCKETS / 100))]!++;
    const fit = chiSquareGoodnessOfFit(groups, new Array<number>(100).fill(1));
    expect(fit.p).toBeGreaterThan(0.001);
  });
});

describe("assignment", () => {
  it("puts the same user in the same arm, every time", () => {
    const e = exp([50, 50]);
    for (let i = 0; i < 1000; i++) {
      const first = assignArm(e, `user-${i}`);
      expect(assignArm(structuredClone(e), `user-${i}`)).toEqual(first);
      expect(bucketOf(e.salt, `user-${i}`)).toBe(first.bucket);
    }
  });

  it("reshuffles users when the salt changes (about half move in a 50/50 split)", () => {
    const a = exp([50, 50], "one");
    const b = exp([50, 50], "two");
    let moved = 0;
    for (let i = 0; i < 10_000; i++) if (assignArm(a, `u${i}`).arm.name !== assignArm(b, `u${i}`).arm.name) moved++;
    expect(moved / 10_000).toBeGreaterThan(0.45);
    expect(moved / 10_000).toBeLessThan(0.55);
  });

  it("lays arms over contiguous bucket ranges by cumulative weight", () => {
    expect(armRanges(exp([33.33, 33.33, 33.34])).map((r) => [r.start, r.end])).toEqual([
      [0, 3333],
      [3333, 6666],
      [6666, 10000],
    ]);
    const e = exp([10, 0, 90]);
    expect(armForBucket(e, 0).name).toBe("A");
    expect(armForBucket(e, 999).name).toBe("A");
    expect(armForBucket(e, 1000).name).toBe("C"); // a 0% arm owns no bucket
    expect(armForBucket(e, 9999).name).toBe("C");
  });

  for (const weights of [[50, 50], [90, 10], [50, 30, 20], [25, 25, 25, 25]]) {
    const measured = shares(exp(weights));
    it(`over 100,000 users each arm's share is within 1% of its weight: ${weights.join("/")} -> ${measured.map((s) => s.toFixed(2)).join("/")}`, () => {
      console.log(`weights ${weights.join("/")}: measured shares ${measured.map((s) => `${s.toFixed(3)}%`).join(" / ")}`);
      measured.forEach((share, i) => expect(Math.abs(share - weights[i]!)).toBeLessThan(1));
    });
  }
});

describe("experiment documents", () => {
  const good = { id: "seal-vs-ngram", salt: "2026-05-a", status: "active", arms: [{ name: "A", weight: 50, strategy: "fm-ngram" }, { name: "B", weight: 50, strategy: "fm-ngram-seal" }] };
  const errorsOf = (doc: unknown) => {
    const r = validateExperiment(doc);
    return r.ok ? [] : r.errors;
  };

  it("accepts a valid document", () => {
    const r = parseExperiment(JSON.stringify({ ...good, description: "SEAL scoring vs per-position" }));
    expect(r.ok).toBe(true);
  });

  it.each([
    ["a missing id", { ...good, id: undefined }, "id: "],
    ["an id with a slash", { ...good, id: "a/b" }, "id: id must be 1–64 characters"],
    ["an empty salt", { ...good, salt: "" }, "salt: salt must not be empty"],
    ["an unknown status", { ...good, status: "running" }, "status: status must be active or paused"],
    ["one arm", { ...good, arms: [good.arms[0]] }, "arms: arms must list at least 2 arms"],
    ["eleven arms", { ...good, arms: Array.from({ length: 11 }, (_, i) => ({ name: `a${i}`, weight: 1, strategy: "fm-ngram" })) }, "arms: arms must list at most 10 arms"],
    ["an unknown strategy", { ...good, arms: [good.arms[0], { ...good.arms[1], strategy: "bm25" }] }, "arms[1].strategy: strategy must be one of: lexical, fm-ngram, fm-ngram-seal"],
    ["a negative weight", { ...good, arms: [good.arms[0], { ...good.arms[1], weight: -5 }] }, "arms[1].weight: weight must be between 0 and 100"],
    ["a weight as a string", { ...good, arms: [good.arms[0], { ...good.arms[1], weight: "50" }] }, "arms[1].weight: weight must be a number"],
    ["a weight finer than a bucket", { ...good, arms: [{ ...good.arms[0], weight: 49.995 }, { ...good.arms[1], weight: 50.005 }] }, "arms[0].weight: weight may have at most two decimals"],
    ["weights summing to 90", { ...good, arms: [good.arms[0], { ...good.arms[1], weight: 40 }] }, "arms: weights must sum to 100, got 90"],
    ["duplicate arm names", { ...good, arms: [good.arms[0], { ...good.arms[1], name: "A" }] }, 'arms[1].name: name "A" is used by another arm'],
    ["a misspelt field", { ...good, stauts: "active" }, "(root): unknown field(s): stauts"],
    ["a misspelt arm field", { ...good, arms: [good.arms[0], { ...good.arms[1], wieght: 1 }] }, "arms[1]: unknown field(s): wieght"],
    ["not an object", [1, 2], "(root): the experiment must be a JSON object"],
  ])("rejects %s, naming the field", (_, doc, message) => {
    expect(errorsOf(doc).join("\n")).toContain(message);
  });

  it("rejects text that is not JSON or too large", () => {
    expect(parseExperiment("{ nope")).toMatchObject({ ok: false, errors: [expect.stringContaining("(root): not valid JSON")] });
    expect(parseExperiment(" ".repeat(20_000))).toMatchObject({ ok: false, errors: [expect.stringContaining("larger than")] });
  });
});

describe("QA tokens", () => {
  const secret = "qa-secret";
  const now = 1_800_000_000;
  const mint = (arm = "B", expiresAt = now + 3600, s = secret) => mintQaToken({ secret: s, experimentId: "exp-1", arm, expiresAt });
  const verify = (token: string, arm = "B", at = now) => verifyQaToken({ secret, experimentId: "exp-1", arm, token, nowSeconds: at });

  it("accepts a valid token until it expires", async () => {
    const token = await mint();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.1800003600$/u);
    expect(await verify(token)).toEqual({ ok: true, expiresAt: now + 3600 });
    expect(await verify(token, "B", now + 3599)).toMatchObject({ ok: true });
    expect(await verify(token, "B", now + 3600)).toEqual({ ok: false, reason: "expired" });
  });

  it("rejects tampered, expired, wrong-arm, wrong-experiment, wrong-secret and malformed tokens", async () => {
    const token = await mint();
    const flipped = (token[0] === "A" ? "B" : "A") + token.slice(1);
    expect(await verify(flipped)).toEqual({ ok: false, reason: "bad_signature" });
    const laterExpiry = token.replace(/\.\d+$/u, `.${now + 7200}`); // extending the expiry breaks the signature
    expect(await verify(laterExpiry)).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verify(await mint("B", now - 10))).toEqual({ ok: false, reason: "expired" });
    expect(await verify(token, "A")).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifyQaToken({ secret, experimentId: "exp-2", arm: "B", token, nowSeconds: now })).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verify(await mint("B", now + 3600, "other-secret"))).toEqual({ ok: false, reason: "bad_signature" });
    for (const bad of ["", "abc", "abc.123", `${token}x`, token.replace(".", ":"), "a".repeat(1000)]) expect(await verify(bad)).toEqual({ ok: false, reason: "malformed" });
    expect(await verify(await mint("B", now + 365 * 86_400))).toEqual({ ok: false, reason: "malformed" }); // beyond the 30-day cap
  });
});

describe("ExperimentSource", () => {
  it("re-reads KV only after the TTL, and logs an invalid document once and ignores it", async () => {
    let clock = 0;
    let text: string | null = JSON.stringify(exp([50, 50]));
    const read = vi.fn(async () => text);
    const log = vi.fn();
    const source = new ExperimentSource(read, 30_000, () => clock, log);
    expect((await source.experiment())?.id).toBe("exp-1");
    clock = 29_999;
    text = "{ broken";
    expect((await source.experiment())?.id).toBe("exp-1"); // cached
    expect(read).toHaveBeenCalledTimes(1);
    clock = 30_000;
    expect(await source.experiment()).toBeUndefined(); // invalid: default strategy
    clock = 60_000;
    expect(await source.experiment()).toBeUndefined();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toContain("not valid JSON");
    text = null;
    clock = 90_000;
    expect(await source.experiment()).toBeUndefined();
  });

  it("keeps the last experiment when KV cannot be read, and shares one read between concurrent callers", async () => {
    let clock = 0;
    let fail = false;
    const read = vi.fn(async () => {
      if (fail) throw new Error("KV down");
      return JSON.stringify(exp([50, 50]));
    });
    const source = new ExperimentSource(read, 1000, () => clock, () => {});
    await Promise.all([source.experiment(), source.experiment(), source.experiment()]);
    expect(read).toHaveBeenCalledTimes(1);
    fail = true;
    clock = 5000;
    expect((await source.experiment())?.id).toBe("exp-1");
  });
});

describe("events", () => {
  const event: ExperimentEvent = { type: "outcome", ts: 1_700_000_000_123, experiment: "exp-1", arm: "B", weight: 50, strategy: "fm-ngram-seal", source: "hash", unit: "0a1b2c3d", bucket: 7001, status: 200, latencyMs: 12.5, cacheHit: false, degraded: false };

  it("maps to an Analytics Engine data point (experiment as the index)", () => {
    expect(toDataPoint(event)).toEqual({
      indexes: ["exp-1"],
      blobs: ["outcome", "exp-1", "B", "fm-ngram-seal", "hash", "0a1b2c3d"],
      doubles: [12.5, 200, 0, 0, 7001, 50, 1_700_000_000_123],
    });
  });

  it("has time-ordered sink keys and reads back only well-formed events", () => {
    expect(eventKey(event, "deadbeef")).toBe("events/exp-1/1700000000123-o-deadbeef");
    expect(eventKey({ ...event, ts: 5 }, "x") < eventKey(event, "x")).toBe(true);
    expect(asEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
    expect(asEvent({ ...event, status: "200" })).toBeUndefined();
    expect(asEvent(null)).toBeUndefined();
  });
});

describe("statistics", () => {
  it("computes chi-square tail probabilities", () => {
    expect(chiSquarePValue(3.841, 1)).toBeCloseTo(0.05, 3);
    expect(chiSquarePValue(10.828, 1)).toBeCloseTo(0.001, 4);
    expect(chiSquarePValue(5.991, 2)).toBeCloseTo(0.05, 3);
    expect(chiSquarePValue(0, 3)).toBe(1);
    expect(chiSquarePValue(200, 4)).toBeLessThan(1e-40);
  });

  it("takes the nearest-rank percentile", () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 0.95)).toBe(95);
  });
});

describe("A/B report", () => {
  /** users per arm (each with one exposure and one outcome), latency = base + i % 10. */
  function synth(counts: Record<string, number>, latency: Record<string, number> = {}): ExperimentEvent[] {
    const out: ExperimentEvent[] = [];
    let t = 1_700_000_000_000;
    for (const [arm, n] of Object.entries(counts))
      for (let i = 0; i < n; i++) {
        const base = { ts: t++, experiment: "exp-1", arm, weight: 50, strategy: arm === "A" ? "fm-ngram" : "fm-ngram-seal", source: "hash" as const, unit: `${arm}-${i}`, bucket: 0, cacheHit: false, degraded: false };
        out.push({ ...base, type: "exposure", status: 0, latencyMs: 0 }, { ...base, type: "outcome", status: 200, latencyMs: (latency[arm] ?? 10) + (i % 10) });
      }
    return out;
  }

  it("reports shares against weights, latency, and no SRM for a fair split", () => {
    const [report] = abReport(synth({ A: 5030, B: 4970 }, { A: 10, B: 20 }));
    expect(report!.users).toBe(10_000);
    expect(report!.arms.map((a) => [a.arm, a.users, a.weight])).toEqual([["A", 5030, 50], ["B", 4970, 50]]);
    expect(report!.arms[0]!.share).toBeCloseTo(50.3, 5);
    expect(report!.arms[0]!.latencyP50).toBe(14);
    expect(report!.arms[1]!.latencyP95).toBe(29);
    expect(report!.srm!.flagged).toBe(false);
    expect(report!.srm!.p).toBeCloseTo(chiSquarePValue(0.36, 1), 6);
    expect(formatReport(report!)).toContain("ok (no evidence of a mismatch");
  });

  it("flags a sample ratio mismatch (52/48 over 20,000 users against 50/50)", () => {
    const report = experimentReport("exp-1", synth({ A: 10_400, B: 9600 }));
    expect(report.srm!.chi2).toBeCloseTo(32, 6);
    expect(report.srm!.p).toBeLessThan(0.001);
    expect(report.srm!.flagged).toBe(true);
    expect(formatReport(report)).toContain("SAMPLE RATIO MISMATCH");
  });

  it("counts users, not requests, and keeps QA overrides out of the split", () => {
    const events = synth({ A: 100, B: 100 });
    // one heavy user in A with 500 more requests, and QA requests into B
    const heavy = events.find((e) => e.arm === "A")!;
    for (let i = 0; i < 500; i++) events.push({ ...heavy, type: "exposure" });
    for (let i = 0; i < 50; i++) events.push({ ...heavy, arm: "B", unit: `qa-${i}`, source: "qa", type: "exposure" });
    const report = experimentReport("exp-1", events);
    expect(report.arms.map((a) => [a.users, a.exposures, a.qaExposures])).toEqual([[100, 600, 0], [100, 100, 50]]);
    expect(report.srm!.flagged).toBe(false);
  });

  it("takes the weights and arms of the experiment document, even an arm with no users", () => {
    const doc = exp([50, 25, 25]);
    const report = experimentReport("exp-1", synth({ A: 100, B: 100 }), doc);
    expect(report.arms.map((a) => [a.arm, a.users, a.weight])).toEqual([["A", 100, 50], ["B", 100, 25], ["C", 0, 25]]);
    expect(report.srm!.flagged).toBe(true);
  });
});
