/**
 * edgespan CLI: `tsx bin/edgespan.ts <command> [options]`. Each subcommand is one function in the
 * COMMANDS table. Input mistakes (unknown flag, missing file, malformed data) print one message
 * naming the flag or file and exit with code 2; nothing prints a stack trace.
 */
import { createWriteStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { openLocalNamespaces } from "../kv-seed/stores.ts";
import { CatalogError } from "../src/core/catalog/catalog.ts";
import { NAME_RE } from "../src/core/experiments/config.ts";
import { MAX_QA_TTL_SECONDS, mintQaToken } from "../src/core/experiments/qa-token.ts";
import { formatReport } from "../src/core/experiments/report.ts";
import { DEV_QUERIES_PATH, homedepotDir, loadEvalSet, REPO_ROOT, runEval, type Split } from "../src/eval/harness.ts";
import { JudgmentsError, loadJudgments } from "../src/eval/judgments.ts";
import { markdownReport, textReport } from "../src/eval/report.ts";
import { writeDevQueries } from "../src/eval/split.ts";
import { dumpSpans } from "../src/eval/span-dump.ts";
import { SystemUnavailableError } from "../src/eval/systems.ts";
import { buildReports, DEFAULT_EVENT_LIMIT } from "../src/node/ab-report.ts";
import { loadCatalogFile } from "../src/node/catalog-file.ts";

/** A mistake in how the command was called or in its input files: exit code 2. */
class UsageError extends Error {}

interface Command {
  readonly summary: string;
  readonly usage: string;
  run(args: string[]): Promise<void>;
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.split(". To specify")[0]}`);
  }
}

function existingFile(flag: string, path: string): string {
  if (!existsSync(path)) throw new UsageError(`${flag}: file not found: ${path}`);
  return path;
}

const evalCommand: Command = {
  summary: "evaluate systems on graded relevance judgments (Recall, MRR, NDCG, latency per bucket)",
  usage: `usage: edgespan eval [options]
  --judgments FILE    judgments TSV (query, product_id, relevance); default: Home Depot judgments.tsv
  --products FILE     catalog (TSV, CSV or JSONL); default: Home Depot products.tsv
  --system NAME       bm25 | bm25-fuzzy | fm-ngram | lexical | dense | dense-ft | semantic |
                      semantic-drop-layer | semantic-adaptive | hybrid | hybrid+MODE |
                      hybrid-fm-ngram[+MODE] | endpoint;
                      repeat or comma-separate (default: bm25)
  --model DIR         the exported span model for lexical (model.json + ONNX files; default: wasm/model)
  --origin URL        the semantic origin for dense*, semantic* and hybrid (signed with $ORIGIN_SECRET);
                      default: started here on --origin-artifacts, stopped at the end
  --origin-artifacts DIR  semantic artifacts for that origin (default: .edgespan/semantic/homedepot)
  --split SPLIT       dev | train | all (default: dev; dev = data/homedepot-dev-queries.txt)
  --limit N           evaluate only N queries of the split (a fixed pseudo-random sample)
  --endpoint URL      evaluate a running Worker (GET URL/v1/search); each --system NAME runs there
                      as NAME@endpoint (default system: endpoint)
  --json              print the report as JSON
  --markdown          print the report as markdown tables
  Home Depot folder: $EDGESPAN_HOMEDEPOT or ../shared/datasets/homedepot (relative to the repo)`,
  async run(args) {
    const v = parse("eval", args, {
      judgments: { type: "string" },
      products: { type: "string" },
      system: { type: "string", multiple: true },
      split: { type: "string", default: "dev" },
      limit: { type: "string" },
      endpoint: { type: "string" },
      model: { type: "string" },
      origin: { type: "string" },
      "origin-artifacts": { type: "string" },
      json: { type: "boolean" },
      markdown: { type: "boolean" },
    });
    if (v.help) return void console.log(this.usage);
    const split = v.split as Split;
    if (!["dev", "train", "all"].includes(split)) throw new UsageError(`--split: expected dev, train or all, got ${JSON.stringify(split)}`);
    const limit = v.limit === undefined ? undefined : Number(v.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit: expected a positive integer, got ${JSON.stringify(v.limit)}`);
    if (v.endpoint !== undefined && !/^https?:\/\//u.test(v.endpoint)) throw new UsageError(`--endpoint: expected an http(s) URL, got ${JSON.stringify(v.endpoint)}`);
    if (v.origin !== undefined && !/^https?:\/\//u.test(v.origin)) throw new UsageError(`--origin: expected an http(s) URL, got ${JSON.stringify(v.origin)}`);
    if (v["origin-artifacts"] !== undefined && !existsSync(v["origin-artifacts"])) throw new UsageError(`--origin-artifacts: folder not found: ${v["origin-artifacts"]}`);

    let systems = (v.system ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
    if (v.endpoint) {
      if (systems.length === 0) systems = ["endpoint"];
      systems = systems.map((s) => (s === "endpoint" || s.endsWith("@endpoint") ? s : `${s}@endpoint`));
    } else if (systems.length === 0) systems = ["bm25"];

    const judgmentsPath = existingFile("--judgments", v.judgments ?? resolve(homedepotDir(), "judgments.tsv"));
    const productsPath = existingFile("--products", v.products ?? resolve(homedepotDir(), "products.tsv"));
    if (split !== "all") existingFile("dev split list", DEV_QUERIES_PATH);

    const report = await runEval({
      judgmentsPath,
      productsPath,
      systems,
      split,
      ...(limit ? { limit } : {}),
      ...(v.endpoint ? { endpoint: v.endpoint } : {}),
      ...(v.model ? { modelDir: resolve(v.model) } : {}),
      ...(v.origin ? { origin: v.origin } : {}),
      ...(v["origin-artifacts"] ? { originArtifacts: resolve(v["origin-artifacts"]) } : {}),
    });
    console.log(v.json ? JSON.stringify(report, null, 2) : v.markdown ? markdownReport(report) : textReport(report));
  },
};

const devSplitCommand: Command = {
  summary: "regenerate data/homedepot-dev-queries.txt, the committed dev split (by query, fixed seed)",
  usage: `usage: edgespan dev-split [--judgments FILE] [--out FILE]
  --judgments FILE    judgments TSV; default: Home Depot judgments.tsv
  --out FILE          default: data/homedepot-dev-queries.txt`,
  async run(args) {
    const v = parse("dev-split", args, { judgments: { type: "string" }, out: { type: "string" } });
    if (v.help) return void console.log(this.usage);
    const judgmentsPath = existingFile("--judgments", v.judgments ?? resolve(homedepotDir(), "judgments.tsv"));
    const out = v.out ?? DEV_QUERIES_PATH;
    const queries = (await loadJudgments(judgmentsPath)).map((q) => q.query);
    const n = await writeDevQueries(out, queries, "tsx bin/edgespan.ts dev-split (src/eval/split.ts)");
    console.log(`${relative(REPO_ROOT, out) || out}: ${n} dev queries of ${queries.length}`);
  },
};

const qaTokenCommand: Command = {
  summary: "mint a signed QA override token for one experiment arm (?arm=ARM&qa=TOKEN)",
  usage: `usage: edgespan qa-token --experiment ID --arm ARM [--secret S] [--ttl SECONDS]
  --experiment ID     the experiment id (experiments/current)
  --arm ARM           the arm the token lets a request into
  --secret S          the Worker's QA_SECRET (default: $QA_SECRET; prefer it, shell history keeps flags)
  --ttl SECONDS       lifetime, at most ${MAX_QA_TTL_SECONDS} (default 3600)`,
  async run(args) {
    const v = parse("qa-token", args, { experiment: { type: "string" }, arm: { type: "string" }, secret: { type: "string" }, ttl: { type: "string", default: "3600" } });
    if (v.help) return void console.log(this.usage);
    if (!v.experiment || !NAME_RE.test(v.experiment)) throw new UsageError(`--experiment: expected an experiment id, got ${JSON.stringify(v.experiment ?? "")}`);
    if (!v.arm || !NAME_RE.test(v.arm)) throw new UsageError(`--arm: expected an arm name, got ${JSON.stringify(v.arm ?? "")}`);
    const secret = v.secret ?? process.env.QA_SECRET ?? "";
    if (secret === "") throw new UsageError("--secret: give the Worker's QA_SECRET (or set $QA_SECRET)");
    const ttl = Number(v.ttl);
    if (!/^\d+$/u.test(v.ttl!) || ttl < 1 || ttl > MAX_QA_TTL_SECONDS) throw new UsageError(`--ttl: expected whole seconds from 1 to ${MAX_QA_TTL_SECONDS}, got ${JSON.stringify(v.ttl)}`);
    const expiresAt = Math.floor(Date.now() / 1000) + ttl;
    const token = await mintQaToken({ secret, experimentId: v.experiment, arm: v.arm, expiresAt });
    console.log(token);
    console.error(`valid until ${new Date(expiresAt * 1000).toISOString()}: append ?arm=${encodeURIComponent(v.arm)}&qa=${token} to /v1/search`);
  },
};

const abReportCommand: Command = {
  summary: "A/B report from the local event sink: users per arm vs weights, latency, SRM check",
  usage: `usage: edgespan ab-report [options]
  --persist DIR       wrangler state folder of \`wrangler dev\` (default: .wrangler/state/v3)
  --experiment ID     report one experiment (default: every experiment with events)
  --config FILE       wrangler config (default: wrangler.toml)
  --binding NAME      KV binding of the event sink (default: EVENTS)
  --limit N           read at most N events (default: ${DEFAULT_EVENT_LIMIT})
  --json              print the reports as JSON
  Events are written by the Worker when EVENTS_SINK = "kv" (npm start sets it).`,
  async run(args) {
    const v = parse("ab-report", args, {
      persist: { type: "string", default: ".wrangler/state/v3" },
      experiment: { type: "string" },
      config: { type: "string", default: "wrangler.toml" },
      binding: { type: "string", default: "EVENTS" },
      limit: { type: "string" },
      json: { type: "boolean" },
    });
    if (v.help) return void console.log(this.usage);
    if (v.experiment !== undefined && !NAME_RE.test(v.experiment)) throw new UsageError(`--experiment: expected an experiment id, got ${JSON.stringify(v.experiment)}`);
    const limit = v.limit === undefined ? undefined : Number(v.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit: expected a positive integer, got ${JSON.stringify(v.limit)}`);
    existingFile("--config", v.config!);
    const { namespaces, close } = await openLocalNamespaces({ configPath: v.config!, persistPath: v.persist!, bindings: [v.binding!, "INDEX"] }).catch((e: Error) => {
      throw new UsageError(`--binding: ${e.message}`);
    });
    try {
      const { reports, notes } = await buildReports(namespaces[v.binding!]!, namespaces.INDEX, { ...(v.experiment !== undefined && { experiment: v.experiment }), ...(limit !== undefined && { limit }) });
      if (v.json) return void console.log(JSON.stringify({ reports, notes }, null, 2));
      if (reports.length === 0) console.log(`no experiment events in ${v.persist} (run the Worker with EVENTS_SINK=kv)`);
      console.log(reports.map(formatReport).join("\n\n"));
      for (const note of notes) console.log(`note: ${note}`);
    } finally {
      await close();
    }
  },
};

const spansCommand: Command = {
  summary: "write the spans a span model decodes for judged queries (JSONL, for distillation and DPO)",
  usage: `usage: edgespan spans --model DIR --out FILE [options]
  --model DIR         the exported span model (model.json + ONNX files)
  --out FILE          JSONL, one line per query: {query, hypotheses: [{spans, text, logProb, products}]}
  --tokenizer FILE    the model's tokenizer (default: wasm/tokenizer.txt)
  --split SPLIT       train | dev | all (default: train)
  --limit N           only N queries of the split (a fixed pseudo-random sample)
  --beam N            beam size (default 5)
  --judgments FILE, --products FILE   as for eval (default: Home Depot)
  --queries FILE      decode these queries instead of the judged ones (one per line, or a TSV whose
                      first column is the query; "#" lines and a "query" header are skipped)`,
  async run(args) {
    const v = parse("spans", args, {
      model: { type: "string" },
      out: { type: "string" },
      tokenizer: { type: "string" },
      split: { type: "string", default: "train" },
      limit: { type: "string" },
      beam: { type: "string", default: "5" },
      judgments: { type: "string" },
      products: { type: "string" },
      queries: { type: "string" },
    });
    if (v.help) return void console.log(this.usage);
    if (!v.model) throw new UsageError("--model: give the exported span model's folder");
    existingFile("--model", resolve(v.model, "model.json"));
    if (!v.out) throw new UsageError("--out: give the JSONL file to write");
    const split = v.split as Split;
    if (!["dev", "train", "all"].includes(split)) throw new UsageError(`--split: expected dev, train or all, got ${JSON.stringify(split)}`);
    const limit = v.limit === undefined ? undefined : Number(v.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit: expected a positive integer, got ${JSON.stringify(v.limit)}`);
    const beamSize = Number(v.beam);
    if (!(Number.isInteger(beamSize) && beamSize >= 1 && beamSize <= 16)) throw new UsageError(`--beam: expected an integer from 1 to 16, got ${JSON.stringify(v.beam)}`);
    const productsPath = existingFile("--products", v.products ?? resolve(homedepotDir(), "products.tsv"));
    const { products, queries } = v.queries
      ? { products: (await loadCatalogFile(productsPath)).products, queries: queryLines(await readFile(existingFile("--queries", v.queries), "utf8")).slice(0, limit) }
      : await loadEvalSet({ judgmentsPath: existingFile("--judgments", v.judgments ?? resolve(homedepotDir(), "judgments.tsv")), productsPath, split, ...(limit ? { limit } : {}) }).then((set) => ({
          products: set.products,
          queries: set.queries.map((q) => q.query),
        }));
    const out = createWriteStream(v.out);
    const started = performance.now();
    let n = 0;
    const records = dumpSpans(products, queries, resolve(v.model), {
      decode: { beamSize },
      ...(v.tokenizer ? { tokenizerPath: existingFile("--tokenizer", v.tokenizer) } : {}),
    });
    for await (const record of records) {
      if (!out.write(`${JSON.stringify(record)}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
      if (++n % 500 === 0) console.error(`spans: ${n}/${queries.length} queries, ${((performance.now() - started) / n).toFixed(1)} ms each`);
    }
    await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())));
    console.error(`spans: ${n} queries${v.queries ? "" : ` of the ${split} split`} -> ${v.out} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  },
};

/** Queries of a --queries file: the first tab-separated column of each line. */
function queryLines(text: string): string[] {
  const queries = text.split("\n").map((l) => l.split("\t")[0]!.trim()).filter((q) => q !== "" && !q.startsWith("#"));
  return queries[0] === "query" ? queries.slice(1) : queries; // a TSV's header
}

const COMMANDS: Record<string, Command> = { eval: evalCommand, spans: spansCommand, "dev-split": devSplitCommand, "qa-token": qaTokenCommand, "ab-report": abReportCommand };

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ["usage: edgespan <command> [options]   (edgespan <command> --help for its options)", "", "commands:", ...lines].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}\n\n${help()}`);
  await command.run(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    const input = e instanceof UsageError || e instanceof CatalogError || e instanceof JudgmentsError || e instanceof SystemUnavailableError;
    console.error(`edgespan: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = input ? 2 : 1;
  },
);
