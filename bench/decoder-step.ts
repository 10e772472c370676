/**
 * One decoder step of the span model for a beam of 5, in onnxruntime-web's WASM backend on Node
 * (what the Worker runs), next to the same export stepped the same way by Python's native
 * onnxruntime (one thread) on the same inputs. Cases: a step inside a span (a few allowed tokens per
 * beam, scored from the token table) and a step at a span start (thousands allowed, read from the
 * all-token scores graph), at a few cache lengths. A step includes scoring its candidates.
 *
 *   npm run bench -- --only decoder-step [--model DIR]      (default wasm/model)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../src/node/paths.ts";
import { loadSpanModel } from "../src/node/span-model.ts";
import { percentile, table } from "./util.ts";

const BEAMS = 5;
const MEMORY = 6; // query tokens: a typical shopper query
const CASES = [
  { name: "in span, 8 allowed per beam, cache 2", width: 8, past: 2 },
  { name: "in span, 8 allowed per beam, cache 6", width: 8, past: 6 },
  { name: "span start, 9000 allowed per beam, cache 3", width: 9000, past: 3 },
] as const;

export async function runDecoderStepBench(options: { modelDir?: string; reps?: number }): Promise<void> {
  const dir = resolve(options.modelDir ?? join(REPO_ROOT, "wasm/model"));
  if (!existsSync(join(dir, "model.json"))) return console.log(`SKIP decoder-step bench: no exported span model in ${dir} (--model DIR)`);
  const reps = options.reps ?? 500;
  const session = await loadSpanModel(dir);
  const query = Array.from({ length: MEMORY }, (_, i) => 100 + i);
  const encoded = await session.encode(query);
  const tokens = Array.from({ length: BEAMS }, (_, i) => 200 + i);

  // The first few hundred steps of a fresh WASM instance run several times slower (memory
  // growth, tier-up): warm up before any timing.
  const warm = Array.from({ length: BEAMS }, () => Array.from({ length: 8 }, (_, j) => 10 + j));
  for (let i = 0; i < 500; i++) await session.step(encoded, tokens, session.emptyCache(BEAMS), warm);
  const ours: Record<string, number[]> = {};
  for (const c of CASES) {
    const candidates = Array.from({ length: BEAMS }, (_, b) => Array.from({ length: c.width }, (_, j) => 10 + ((b * c.width + j) % 11000)));
    // A cache of the right length, grown by real steps.
    let cache = session.emptyCache(BEAMS);
    for (let t = 0; t < c.past; t++) cache = (await session.step(encoded, tokens, cache, candidates)).cache;
    for (let i = 0; i < 20; i++) await session.step(encoded, tokens, cache, candidates);
    const xs: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      await session.step(encoded, tokens, cache, candidates);
      xs.push(performance.now() - t);
    }
    ours[c.name] = xs;
  }

  const peer = await runPeer({ model: dir, beams: BEAMS, query, tokens, cases: CASES, reps });
  const rows = CASES.map((c) => {
    const o = ours[c.name]!;
    const p = "times" in peer ? peer.times[c.name] : undefined;
    const med = percentile(o, 0.5);
    return [
      c.name,
      med.toFixed(3),
      percentile(o, 0.9).toFixed(3),
      p ? percentile(p, 0.5).toFixed(3) : "-",
      p ? (med / percentile(p, 0.5)).toFixed(2) : "-",
    ];
  });
  console.log(`\nSpan model decoder step, beam ${BEAMS}, ${MEMORY}-token query, ${reps} steps per case (${dir})`);
  console.log(table(["case (ms per step)", "ort-web wasm median", "p90", `onnxruntime ${"version" in peer ? peer.version : ""} median`, "ratio"], rows));
  if ("skip" in peer) console.log(peer.skip);
}

type PeerResult = { version: string; times: Record<string, number[]> } | { skip: string };

async function runPeer(spec: object): Promise<PeerResult> {
  const python = join(REPO_ROOT, ".venv/bin/python");
  if (!existsSync(python)) return { skip: "SKIP peer column: no .venv (bash scripts/python-env.sh)" };
  const dir = await mkdtemp(join(tmpdir(), "edgespan-step-"));
  try {
    await writeFile(join(dir, "in.json"), JSON.stringify(spec));
    const r = spawnSync(python, [join(REPO_ROOT, "bench/decoder_step_peer.py"), join(dir, "in.json"), join(dir, "out.json")], { cwd: REPO_ROOT, encoding: "utf8" });
    if (r.status !== 0) return { skip: `SKIP peer column: decoder_step_peer.py failed: ${(r.stderr ?? "").trim().split("\n").slice(-1)[0]}` };
    return JSON.parse(await readFile(join(dir, "out.json"), "utf8")) as PeerResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
