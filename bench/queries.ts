/**
 * Query benchmark: our FM index (in memory, every superblock loaded) against the Rust `fm-index`
 * package (PyPI fm-index==4.0.0, through its Python bindings) on the SAME token sequence, the
 * Home Depot titles under the word tokenizer.
 *
 * Spans: word n-grams (1-3 words) of the dev queries (data/homedepot-dev-queries.txt) that occur
 * in the catalog, drawn deterministically (round robin over the lengths); without that file,
 * random title n-grams. Operations, each timed per call:
 *   count       ours: index.count(span)                 peer: fm.count(pattern)
 *   next-token  ours: find(span) + nextTokens(range)    peer: EMULATED, iter_locate(pattern) over all
 *                                                       occurrences + read the following token + dict
 *   locate 10   ours: find(span) + locate(range, 10)    peer: first 10 of iter_locate(pattern)
 *               (doc, offset) pairs                      (raw text positions)
 * Peer times are taken inside Python (time.perf_counter_ns around each call), so they include the
 * Python binding call. One warm-up pass, then R timed repetitions of the whole span set; the table
 * shows the median over repetitions of each repetition's median and p99.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildFmIndex } from "../src/core/fm/build.ts";
import { BufferSource, FmIndex, type Occurrence } from "../src/core/fm/fm-index.ts";
import { WordTokenizer } from "../src/core/tokenizer/word-tokenizer.ts";
import { loadCatalogFile } from "../src/node/catalog-file.ts";
import { REPO_ROOT, homedepotProducts, rng } from "./synthetic.ts";
import { percentile, table } from "./util.ts";

export interface QueryBenchOptions {
  readonly spans?: number;
  readonly reps?: number;
  readonly locateMax?: number;
}

const OPS = ["count", "next", "locate"] as const;
type Op = (typeof OPS)[number];
const OP_LABEL: Record<Op, string> = {
  count: "count",
  next: "next-token enumeration",
  locate: "locate (first 10)",
};
const PEER_VERSION = "4.0.0";
const VENV = resolve(REPO_ROOT, ".venv-bench");

/** The venv's python with fm-index installed, or why the peer is skipped. */
function ensurePeer(): { python: string } | { skip: string } {
  const python = join(VENV, "bin", "python");
  const run = (cmd: string, args: string[]): { ok: boolean; out: string } => {
    const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: "utf8" });
    return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.trim() };
  };
  const probe = `import fm_index, importlib.metadata as m; assert m.version("fm-index") == "${PEER_VERSION}", m.version("fm-index")`;
  if (!existsSync(python)) {
    console.log(`creating ${VENV} (python3 -m venv) ...`);
    const r = run("python3", ["-m", "venv", VENV]);
    if (!r.ok) return { skip: `python3 -m venv failed: ${r.out.split("\n").slice(-2).join(" | ")}` };
  }
  if (run(python, ["-c", probe]).ok) return { python };
  console.log(`installing fm-index==${PEER_VERSION} into ${VENV} (pip) ...`);
  const pip = run(python, ["-m", "pip", "install", "-q", `fm-index==${PEER_VERSION}`]);
  if (!pip.ok) return { skip: `pip install fm-index==${PEER_VERSION} failed: ${pip.out.split("\n").slice(-2).join(" | ")}` };
  const again = run(python, ["-c", probe]);
  return again.ok ? { python } : { skip: `fm-index==${PEER_VERSION} does not import: ${again.out.split("\n").slice(-1)[0]}` };
}

/** Distinct n-grams (1..3 tokens, no unknown token) of the queries that occur in the index. */
function querySpans(index: FmIndex, tokenizer: WordTokenizer, docs: Uint32Array[], want: number): { spans: number[][]; source: string } {
  const random = rng(20240611);
  const byLength: number[][][] = [[], [], []];
  const seen = new Set<string>();
  const add = (gram: number[]): void => {
    const key = gram.join(",");
    if (seen.has(key) || gram.includes(tokenizer.unknownId)) return;
    seen.add(key);
    if (index.count(gram) > 0) byLength[gram.length - 1]!.push(gram);
  };
  const file = resolve(REPO_ROOT, "data/homedepot-dev-queries.txt");
  let source: string;
  if (existsSync(file)) {
    const queries = readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
    for (const q of queries) {
      const ids = tokenizer.encode(q);
      for (let n = 1; n <= 3; n++) for (let i = 0; i + n <= ids.length; i++) add(ids.slice(i, i + n));
    }
    source = `word n-grams (1-3) of the ${queries.length} dev queries in data/homedepot-dev-queries.txt that occur in the catalog`;
  } else {
    for (let k = 0; k < want * 20 && seen.size < want * 5; k++) {
      const doc = docs[Math.floor(random() * docs.length)]!;
      const n = 1 + Math.floor(random() * 3);
      if (doc.length < n) continue;
      const i = Math.floor(random() * (doc.length - n + 1));
      add(Array.from(doc.subarray(i, i + n)));
    }
    source = "random title n-grams (1-3 words; data/homedepot-dev-queries.txt not found)";
  }
  for (const pool of byLength) {
    pool.sort((a, b) => (a.join(",") < b.join(",") ? -1 : 1));
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
  }
  // Round robin over the lengths: equal shares, and a short pool leaves its share to the others.
  const spans: number[][] = [];
  const taken = [0, 0, 0];
  while (spans.length < want && byLength.some((pool, k) => taken[k]! < pool.length)) {
    for (let k = 0; k < 3 && spans.length < want; k++) if (taken[k]! < byLength[k]!.length) spans.push(byLength[k]![taken[k]!++]!);
  }
  return { spans, source };
}

type Times = Record<Op, number[][]>; // op -> repetition -> ns per span

async function timeOurs(index: FmIndex, spans: number[][], reps: number, locateMax: number): Promise<Times> {
  const now = process.hrtime.bigint;
  const countPass = (): number[] => {
    const out = new Array<number>(spans.length);
    for (let i = 0; i < spans.length; i++) {
      const t0 = now();
      index.count(spans[i]!);
      out[i] = Number(now() - t0);
    }
    return out;
  };
  const nextPass = (): number[] => {
    const out = new Array<number>(spans.length);
    for (let i = 0; i < spans.length; i++) {
      const t0 = now();
      const range = index.find(spans[i]!);
      if (range) index.nextTokens(range);
      out[i] = Number(now() - t0);
    }
    return out;
  };
  const locatePass = async (): Promise<number[]> => {
    const out = new Array<number>(spans.length);
    for (let i = 0; i < spans.length; i++) {
      const t0 = now();
      const range = index.find(spans[i]!);
      if (range) await index.locate(range, locateMax);
      out[i] = Number(now() - t0);
    }
    return out;
  };
  const times: Times = { count: [], next: [], locate: [] };
  countPass();
  for (let r = 0; r < reps; r++) times.count.push(countPass());
  nextPass();
  for (let r = 0; r < reps; r++) times.next.push(nextPass());
  await locatePass();
  for (let r = 0; r < reps; r++) times.locate.push(await locatePass());
  return times;
}

interface PeerOutput {
  version: string;
  buildSeconds: number;
  times: Times & { locateAll: number[][] };
  answers: { count: number[]; next: [[number, number][], number][]; locate: number[][] };
}

/** Median over repetitions of a per-repetition statistic (over the spans selected by `keep`). */
function stat(times: number[][], q: number, keep?: (i: number) => boolean): number {
  const perRep = times.map((rep) => percentile(keep ? rep.filter((_, i) => keep(i)) : rep, q));
  return percentile(perRep, 0.5);
}

const us = (ns: number): string => (Number.isFinite(ns) ? (ns / 1000).toFixed(ns < 10_000 ? 2 : 1) : "n/a");
const ratio = (a: number, b: number): string => {
  if (!(Number.isFinite(a) && Number.isFinite(b) && b > 0)) return "n/a";
  const r = a / b;
  return r < 0.1 ? r.toPrecision(2) : r.toFixed(2);
};

export async function runQueryBench(options: QueryBenchOptions = {}): Promise<void> {
  const want = options.spans ?? 2000;
  const reps = Math.max(3, options.reps ?? 5);
  const locateMax = options.locateMax ?? 10;
  console.log("== Queries: our FM index (in memory) vs Rust fm-index " + PEER_VERSION + " (Python bindings), Home Depot titles, word tokens ==");
  const hd = homedepotProducts();
  if ("missing" in hd) {
    console.log(`SKIP query benchmark: ${hd.missing}`);
    return;
  }

  const { products } = await loadCatalogFile(hd.path);
  const tokenizer = WordTokenizer.train(products.map((p) => p.title));
  const docs = products.map((p) => Uint32Array.from(tokenizer.encode(p.title).slice(0, 64)));
  let t = performance.now();
  const built = await buildFmIndex(docs, tokenizer.vocabSize);
  const index = await FmIndex.open(new BufferSource(built.bytes), { headerBytes: built.headerBytes });
  await index.loadAll();
  const oursBuildSeconds = (performance.now() - t) / 1000;

  const { spans, source } = querySpans(index, tokenizer, docs, want);
  const lengths = [1, 2, 3].map((n) => spans.filter((s) => s.length === n).length);
  console.log(`catalog: ${products.length.toLocaleString("en-US")} titles, ${built.tokenCount.toLocaleString("en-US")} tokens, vocab ${tokenizer.vocabSize.toLocaleString("en-US")}`);
  console.log(`spans: ${spans.length} ${source}; by length 1/2/3: ${lengths.join("/")}`);
  console.log(`timing: ${reps} repetitions of the whole set after one warm-up pass; median over repetitions of each repetition's median / p99`);

  t = performance.now();
  const ours = await timeOurs(index, spans, reps, locateMax);
  console.log(`ours timed in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // The peer, on exactly the text our index is built on: rev(title_0) SEP rev(title_1) SEP ...
  let peer: PeerOutput | undefined;
  let peerNote = "";
  const env = ensurePeer();
  if ("skip" in env) peerNote = `SKIP peer columns: ${env.skip}`;
  else {
    const dir = mkdtempSync(join(tmpdir(), "edgespan-bench-"));
    try {
      const sequence: number[] = [];
      for (const doc of docs) {
        for (let j = doc.length - 1; j >= 0; j--) sequence.push(doc[j]!);
        sequence.push(-1);
      }
      writeFileSync(join(dir, "in.json"), JSON.stringify({ sequence, spans, reps, locateMax }));
      t = performance.now();
      const r = spawnSync(env.python, [resolve(REPO_ROOT, "bench/fm_index_peer.py"), join(dir, "in.json"), join(dir, "out.json")], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        stdio: ["ignore", "inherit", "pipe"],
      });
      if (r.status !== 0) peerNote = `SKIP peer columns: fm_index_peer.py failed: ${(r.stderr ?? String(r.error)).trim().split("\n").slice(-2).join(" | ")}`;
      else {
        peer = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as PeerOutput;
        console.log(`peer timed in ${((performance.now() - t) / 1000).toFixed(1)} s (including its build and the JSON exchange)`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const rows: string[][] = [];
  for (const op of OPS) {
    const om = stat(ours[op], 0.5);
    const o99 = stat(ours[op], 0.99);
    const pm = peer ? stat(peer.times[op], 0.5) : Number.NaN;
    const p99 = peer ? stat(peer.times[op], 0.99) : Number.NaN;
    const target = op === "locate" ? "" : `<= 2.0: ${peer ? (om / pm <= 2 ? "ok" : "MISSED") : "n/a"}`;
    rows.push([OP_LABEL[op] + (op === "next" ? " (peer emulated)" : ""), us(om), us(o99), us(pm), us(p99), ratio(om, pm), ratio(o99, p99), target]);
  }
  console.log();
  console.log(table(["operation (µs per call)", "ours med", "ours p99", "peer med", "peer p99", "ours/peer med", "ours/peer p99", "target (med)"], rows));

  const byLen: string[][] = [];
  for (const op of OPS) {
    for (let n = 1; n <= 3; n++) {
      const keep = (i: number): boolean => spans[i]!.length === n;
      const om = stat(ours[op], 0.5, keep);
      const pm = peer ? stat(peer.times[op], 0.5, keep) : Number.NaN;
      byLen.push([`${OP_LABEL[op]}, ${n} word${n > 1 ? "s" : ""}`, String(lengths[n - 1]), us(om), us(pm), ratio(om, pm)]);
    }
  }
  console.log();
  console.log(table(["by span length (µs, median)", "spans", "ours", "peer", "ours/peer"], byLen));

  console.log();
  console.log(`ours: buildFmIndex defaults (superblocks of 2^${built.header.superblockBits} positions, sample rate ${built.header.sampleRate}), FmIndex over a BufferSource with loadAll(); built + loaded in ${oursBuildSeconds.toFixed(2)} s; timed with process.hrtime.bigint() per call.`);
  console.log("ours next-token = find(span) + nextTokens(range); ours locate = find(span) + await locate(range, 10), returning (doc, offset).");
  if (peer) {
    console.log(`peer: fm-index ${peer.version} FMIndex on the same token sequence (one code point per token, U+0001 separator); built in ${peer.buildSeconds.toFixed(2)} s.`);
    console.log("peer times include the Python binding call (time.perf_counter_ns around each call, inside Python).");
    console.log("peer next-token is EMULATED (fm-index has none): iter_locate over all occurrences, read the token before each in the reversed text, count in a dict.");
    console.log("peer locate returns raw text positions (no doc/offset mapping); ours returns (doc, offset).");
    const fm = stat(peer.times.locateAll, 0.5);
    const f99 = stat(peer.times.locateAll, 0.99);
    const om = stat(ours.next, 0.5);
    const o99 = stat(ours.next, 0.99);
    console.log(`peer next-token floor, enumerating all occurrences alone (iter_locate drained in C by deque(maxlen=0), no Python loop): median ${us(fm)} µs, p99 ${us(f99)} µs; ours next-token / floor: median ${ratio(om, fm)}, p99 ${ratio(o99, f99)}.`);
    console.log(await crossCheck(index, docs, spans, peer, locateMax));
  } else console.log(peerNote);
}

/** Checks that both indexes answer alike: counts, next tokens, and located occurrences. */
async function crossCheck(index: FmIndex, docs: Uint32Array[], spans: number[][], peer: PeerOutput, locateMax: number): Promise<string> {
  const starts: number[] = [];
  let p = 0;
  for (const doc of docs) {
    starts.push(p);
    p += doc.length + 1;
  }
  const occursAt = (span: number[], o: Occurrence): boolean => {
    const doc = docs[o.doc];
    if (!doc || o.offset < 0 || o.offset + span.length > doc.length) return false;
    return span.every((t, j) => doc[o.offset + j] === t);
  };
  const fromPosition = (span: number[], pos: number): Occurrence => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    const reversed = pos - starts[lo]!;
    return { doc: lo, offset: docs[lo]!.length - 1 - reversed - (span.length - 1) };
  };
  let countOk = 0;
  let nextOk = 0;
  let locateOk = 0;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const range = index.find(span);
    if ((range ? range.hi - range.lo : 0) === peer.answers.count[i]) countOk++;
    if (range) {
      const nt = index.nextTokens(range);
      const mine = Array.from(nt.tokens, (tok, j) => [tok, nt.counts[j]!] as [number, number]).sort((a, b) => a[0] - b[0]);
      const [theirs, ends] = peer.answers.next[i]!;
      if (ends === nt.titleEnds && mine.length === theirs.length && mine.every((x, j) => x[0] === theirs[j]![0] && x[1] === theirs[j]![1])) nextOk++;
    }
    pending.push(
      (async () => {
        const mine = range ? await index.locate(range, locateMax) : [];
        const theirs = peer.answers.locate[i]!.map((pos) => fromPosition(span, pos));
        const n = range ? Math.min(locateMax, range.hi - range.lo) : 0;
        let ok = mine.length === n && theirs.length === n && mine.every((o) => occursAt(span, o)) && theirs.every((o) => occursAt(span, o));
        if (ok && range && range.hi - range.lo <= locateMax) {
          // All occurrences returned by both: the same set.
          const key = (o: Occurrence): string => `${o.doc}:${o.offset}`;
          const a = mine.map(key).sort();
          const b = theirs.map(key).sort();
          ok = a.every((x, j) => x === b[j]);
        }
        if (ok) locateOk++;
      })(),
    );
  }
  await Promise.all(pending);
  return `cross-check (ours vs peer answers): count ${countOk}/${spans.length}, next tokens ${nextOk}/${spans.length}, locate ${locateOk}/${spans.length}` +
    " (located occurrences verified against the titles; identical sets where a span occurs <= 10 times)";
}
