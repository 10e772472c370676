/**
 * Autocomplete latency in workerd (`wrangler dev`, local KV seeded with the Home Depot index and
 * a query log), warm isolate: dev queries typed one character at a time, one request per
 * keystroke, in sequence, as a search box would send them (without debouncing).
 *
 * The query log is built at run time from the TRAIN split of the Home Depot judgments (queries
 * not in data/homedepot-dev-queries.txt); a query's count is its number of judged rows, a proxy:
 * the data set has no traffic counts. The typed queries are dev queries, so none of them is in
 * the log verbatim. Nothing is copied into the repository.
 *
 * Part of `npm run bench` (`--only autocomplete`).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildArtifacts } from "../src/core/artifacts.ts";
import { autocomplete } from "../src/core/autocomplete/autocomplete.ts";
import { Engine } from "../src/core/engine.ts";
import { MemoryBlobStore } from "../src/core/storage/blob-store.ts";
import { ChunkCache } from "../src/core/storage/chunk-cache.ts";
import { publish } from "../src/core/storage/publish.ts";
import { words } from "../src/core/tokenizer/word-tokenizer.ts";
import { loadJudgments } from "../src/eval/judgments.ts";
import { queryHash, readDevQueries } from "../src/eval/split.ts";
import { loadCatalogFile } from "../src/node/catalog-file.ts";
import { REPO_ROOT, homedepotDir } from "../src/node/paths.ts";
import { seedPersistDir, startWranglerDev } from "../test/support/wrangler-dev.ts";
import { homedepotProducts } from "./synthetic.ts";
import { percentile, table } from "./util.ts";

const DEV_QUERIES = resolve(REPO_ROOT, "data/homedepot-dev-queries.txt");
const TARGET_MEDIAN_MS = 2;
const TARGET_P99_MS = 10;

interface Sample {
  clientMs: number;
  phases: Record<string, number>;
  suggestions: string[];
}

export async function runAutocompleteBench(options: { queries?: number; k?: number } = {}): Promise<void> {
  const limit = options.queries ?? 300;
  const k = options.k ?? 8;
  const hd = homedepotProducts();
  const judgmentsPath = resolve(homedepotDir(), "judgments.tsv");
  if ("missing" in hd || !existsSync(judgmentsPath)) {
    console.log(`SKIP autocomplete bench: ${"missing" in hd ? hd.missing : `${judgmentsPath} not found`}`);
    return;
  }
  const { products } = await loadCatalogFile(hd.path);
  const dev = await readDevQueries(DEV_QUERIES);
  const judged = await loadJudgments(judgmentsPath);
  const log = judged.filter((q) => !dev.has(q.key)).map((q) => ({ text: q.key, count: q.grades.size }));
  const built = await buildArtifacts(products, { source: "homedepot", queries: log });
  // A fixed pseudo-random sample of the dev list (the file is sorted; its head is all digits).
  const typed = [...dev].sort((a, b) => queryHash(a, "autocomplete-bench") - queryHash(b, "autocomplete-bench") || (a < b ? -1 : 1)).slice(0, limit);

  const persist = await mkdtemp(join(tmpdir(), "edgespan-bench-ac-"));
  try {
    await seedPersistDir(persist, built);
    const worker = await startWranglerDev({ persist });
    const samples: Sample[] = [];
    let found = 0;
    let saved = 0;
    let typedChars = 0;
    try {
      const request = async (prefix: string): Promise<Sample> => {
        const started = performance.now();
        const res = await fetch(`${worker.url}/v1/autocomplete?q=${encodeURIComponent(prefix)}&k=${k}`);
        const body = (await res.json()) as { suggestions?: { text: string }[] };
        const clientMs = performance.now() - started;
        if (res.status !== 200) throw new Error(`${JSON.stringify(prefix)}: HTTP ${res.status} ${JSON.stringify(body)}`);
        const phases: Record<string, number> = {};
        for (const m of (res.headers.get("Server-Timing") ?? "").matchAll(/(\w+);dur=([\d.]+)/gu)) phases[m[1]!] = Number(m[2]);
        return { clientMs, phases, suggestions: (body.suggestions ?? []).map((s) => s.text) };
      };
      // Warm the isolate: open the engine, decode every superblock the first keystrokes touch.
      for (const q of typed.slice(0, 5)) for (let i = 1; i <= q.length; i++) if (q.slice(0, i).trim() !== "") await request(q.slice(0, i));

      for (const q of typed) {
        const target = words(q).join(" ");
        let hit = false;
        typedChars += q.length;
        for (let i = 1; i <= q.length; i++) {
          const prefix = q.slice(0, i);
          if (prefix.trim() === "") continue;
          const s = await request(prefix);
          samples.push(s);
          if (!hit && s.suggestions.some((t) => words(t).join(" ") === target)) {
            hit = true;
            found++;
            saved += q.length - i;
          }
        }
      }
    } finally {
      await worker.stop();
    }

    // The same keystrokes in-process (Node, same engine code, second pass), for the
    // sub-millisecond timing that workerd's 1 ms clock cannot give.
    const store = new MemoryBlobStore();
    await publish(store, built.manifest, built.chunks);
    const engine = await Engine.open(new ChunkCache(store, 256 << 20), built.manifest);
    const prefixes = typed.flatMap((q) => Array.from({ length: q.length }, (_, i) => q.slice(0, i + 1)).filter((p) => p.trim() !== ""));
    for (const p of prefixes) await autocomplete(engine, p, k); // warm: superblocks decoded, prefix memos filled
    const inProcess: number[] = [];
    for (const p of prefixes) {
      const started = performance.now();
      await autocomplete(engine, p, k);
      inProcess.push(performance.now() - started);
    }

    const row = (name: string, xs: number[]): string[] => [name, percentile(xs, 0.5).toFixed(2), percentile(xs, 0.99).toFixed(2)];
    const server = samples.map((s) => s.phases.total ?? Number.NaN);
    const rows = [
      row("warm server total (Server-Timing)", server),
      row("  queries (past-query index)", samples.map((s) => s.phases.queries ?? 0)),
      row("  titles (FM index)", samples.map((s) => s.phases.titles ?? 0)),
      row("warm client round trip", samples.map((s) => s.clientMs)),
      row("in-process autocomplete() (Node, same keystrokes)", inProcess),
    ];
    console.log(
      `\nWorker GET /v1/autocomplete (k=${k}), warm isolate, ${typed.length} dev queries typed one character at a time = ${samples.length} requests, workerd via wrangler dev`,
    );
    console.log(`query log: ${built.stats.queries} train queries (count = judged rows), ${built.stats.bytes.queries} B`);
    console.log(table(["measure (ms)", "median", "p99"], rows));
    const med = percentile(server, 0.5);
    const p99 = percentile(server, 0.99);
    console.log(
      `targets: server median < ${TARGET_MEDIAN_MS} ms ${med < TARGET_MEDIAN_MS ? "ok" : "MISSED"}, ` +
        `p99 < ${TARGET_P99_MS} ms ${p99 < TARGET_P99_MS ? "ok" : "MISSED"} (workerd's clock has 1 ms resolution)`,
    );
    const nonEmpty = samples.filter((s) => s.suggestions.length > 0).length;
    console.log(
      `suggestions: ${((100 * nonEmpty) / samples.length).toFixed(1)}% of keystrokes get at least one; ` +
        `the dev query itself is suggested while it is typed for ${found}/${typed.length} queries ` +
        `(${((100 * saved) / typedChars).toFixed(1)}% of characters saved)`,
    );
  } finally {
    await rm(persist, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runAutocompleteBench({ queries: Number(process.argv[2] ?? 300) });
}
