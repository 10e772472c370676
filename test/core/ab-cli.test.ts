/** The A/B command-line tools: kv-seed experiment, edgespan qa-token, edgespan ab-report (over local KV). */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { experimentMain } from "../../kv-seed/experiment.ts";
import { openLocalNamespaces } from "../../kv-seed/stores.ts";
import { EXPERIMENT_KEY, parseExperiment } from "../../src/core/experiments/config.ts";
import { eventKey, type ExperimentEvent } from "../../src/core/experiments/events.ts";
import { verifyQaToken } from "../../src/core/experiments/qa-token.ts";
import { REPO_ROOT } from "../../src/eval/harness.ts";

const EXPERIMENT = {
  id: "seal-vs-ngram",
  salt: "2026-05-a",
  status: "active",
  arms: [
    { name: "A", weight: 50, strategy: "fm-ngram" },
    { name: "B", weight: 50, strategy: "fm-ngram-seal" },
  ],
};

function cli(...args: string[]) {
  const r = spawnSync(resolve(REPO_ROOT, "node_modules/.bin/tsx"), ["bin/edgespan.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, QA_SECRET: "" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let persist: string;
let log: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ab-cli-test-"));
  persist = join(dir, "state", "v3");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  log = [];
  vi.spyOn(console, "log").mockImplementation((...args) => void log.push(args.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...args) => void log.push(args.join(" ")));
});
afterEach(() => vi.restoreAllMocks());

describe("kv-seed experiment", () => {
  it("validates a file and prints the split", async () => {
    const file = join(dir, "exp.json");
    await writeFile(file, JSON.stringify(EXPERIMENT));
    expect(await experimentMain(["--file", file])).toBe(0);
    expect(log.join("\n")).toContain("A: 50% -> fm-ngram (buckets 0..4999)");
  });

  it("refuses an invalid file with exit code 2, naming every field at fault", async () => {
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ ...EXPERIMENT, status: "on", arms: [EXPERIMENT.arms[0], { ...EXPERIMENT.arms[1], strategy: "bm25" }] }));
    expect(await experimentMain(["--file", file, "local", "--persist", persist])).toBe(2);
    expect(log.join("\n")).toContain("status: status must be active or paused");
    expect(log.join("\n")).toContain("arms[1].strategy: strategy must be one of: lexical, fm-ngram, fm-ngram-seal");
    expect(await experimentMain(["--file", join(dir, "nope.json")])).toBe(2);
    expect(log.join("\n")).toContain("--file: cannot read");
    expect(await experimentMain(["--file", file, "elsewhere"])).toBe(2);
    expect(await experimentMain(["--file", file, "remote"])).toBe(2);
    expect(log.join("\n")).toContain("remote needs --namespace-id");
  });

  it("puts the experiment into local KV as experiments/current", async () => {
    const file = join(dir, "exp.json");
    await writeFile(file, JSON.stringify(EXPERIMENT));
    expect(await experimentMain(["--file", file, "local", "--persist", persist])).toBe(0);
    const { namespaces, close } = await openLocalNamespaces({ configPath: "wrangler.toml", persistPath: persist, bindings: ["INDEX"] });
    try {
      const stored = await namespaces.INDEX!.get(EXPERIMENT_KEY, "text");
      expect(parseExperiment(stored!)).toEqual({ ok: true, experiment: EXPERIMENT });
    } finally {
      await close();
    }
  }, 60_000);
});

describe("edgespan qa-token", () => {
  it("mints a token the Worker's verifier accepts for that arm only", async () => {
    const r = cli("qa-token", "--experiment", "seal-vs-ngram", "--arm", "B", "--secret", "s3cret", "--ttl", "600");
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(r.stderr).toContain(`?arm=B&qa=${token}`);
    const now = Math.floor(Date.now() / 1000);
    expect(await verifyQaToken({ secret: "s3cret", experimentId: "seal-vs-ngram", arm: "B", token, nowSeconds: now })).toMatchObject({ ok: true });
    expect(await verifyQaToken({ secret: "s3cret", experimentId: "seal-vs-ngram", arm: "A", token, nowSeconds: now })).toMatchObject({ ok: false });
  });

  it("names the flag at fault", () => {
    expect(cli("qa-token", "--experiment", "x", "--arm", "B").stderr).toContain("--secret");
    expect(cli("qa-token", "--experiment", "x", "--arm", "B", "--secret", "s", "--ttl", "0").stderr).toContain("--ttl");
    expect(cli("qa-token", "--experiment", "a/b", "--arm", "B", "--secret", "s").code).toBe(2);
  });
});

describe("edgespan ab-report", () => {
  function synth(experiment: string, counts: Record<string, number>, weight = 50): ExperimentEvent[] {
    const out: ExperimentEvent[] = [];
    let ts = Date.now() - 3_600_000;
    for (const [arm, n] of Object.entries(counts))
      for (let i = 0; i < n; i++) {
        const base = { ts: ts++, experiment, arm, weight, strategy: arm === "A" ? "fm-ngram" : "fm-ngram-seal", source: "hash" as const, unit: `${experiment}-${arm}-${i}`, bucket: i, cacheHit: false, degraded: false };
        out.push({ ...base, type: "exposure", status: 0, latencyMs: 0 }, { ...base, type: "outcome", status: i % 100 === 0 ? 503 : 200, latencyMs: (arm === "A" ? 10 : 14) + (i % 20) });
      }
    return out;
  }

  it("prints users per arm against the weights, latency, and the SRM check over seeded events", async () => {
    const { namespaces, close } = await openLocalNamespaces({ configPath: "wrangler.toml", persistPath: persist, bindings: ["EVENTS"] });
    try {
      // a fair split and a broken one (330 vs 170 users against 50/50)
      const events = [...synth("fair-split", { A: 255, B: 245 }), ...synth("broken-split", { A: 330, B: 170 })];
      for (let i = 0; i < events.length; i += 200) {
        await Promise.all(events.slice(i, i + 200).map((e, j) => namespaces.EVENTS!.put(eventKey(e, String(i + j).padStart(8, "0")), JSON.stringify(e), { metadata: e, expirationTtl: 3600 })));
      }
    } finally {
      await close();
    }

    const fair = cli("ab-report", "--persist", persist, "--experiment", "fair-split");
    expect(fair.code).toBe(0);
    expect(fair.stdout).toContain("experiment fair-split: 500 users, 1000 events");
    expect(fair.stdout).toMatch(/^A\s+fm-ngram\s+255\s+51\.0%\s+50\.0%\s+255\s+255\s+19\.0\s+28\.0\s+3\s+0$/mu);
    expect(fair.stdout).toMatch(/^B\s+fm-ngram-seal\s+245\s+49\.0%\s+50\.0%/mu);
    expect(fair.stdout).toContain("p = 0.6547: ok");
    expect(fair.stdout).not.toContain("broken-split");

    const all = cli("ab-report", "--persist", persist, "--json");
    expect(all.code).toBe(0);
    const { reports } = JSON.parse(all.stdout) as { reports: { experiment: string; srm: { p: number; flagged: boolean } }[] };
    expect(reports.map((r) => r.experiment)).toEqual(["broken-split", "fair-split"]);
    expect(reports[0]!.srm.flagged).toBe(true);
    expect(reports[0]!.srm.p).toBeLessThan(1e-10); // chi2 = 51.2

    const broken = cli("ab-report", "--persist", persist, "--experiment", "broken-split");
    expect(broken.stdout).toContain("SAMPLE RATIO MISMATCH (p < 0.001)");
  }, 120_000);

  it("rejects bad options with exit code 2", () => {
    expect(cli("ab-report", "--limit", "lots").stderr).toContain("--limit");
    expect(cli("ab-report", "--experiment", "../x").code).toBe(2);
  });
});
