/**
 * kv-seed: builds an index version from a catalog and loads it into a store.
 *
 *   npm run kv-seed -- local  --catalog data/sample-catalog.tsv      # local KV for `wrangler dev`
 *   npm run kv-seed -- dir    --catalog FILE --out .edgespan/index    # chunks + manifests in a folder
 *   npm run kv-seed -- remote --catalog FILE --namespace-id ID [--dry-run]
 *   npm run kv-seed -- versions|activate|prune <target> ...           # manage published versions
 *
 * Every target writes content-hashed chunks first and the manifest pointer last, and reports what
 * it wrote. `--from DIR` loads a version previously written with `dir` instead of rebuilding.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { type BuiltArtifacts, buildArtifacts } from "../src/core/artifacts.ts";
import { parseQueryLog } from "../src/core/autocomplete/query-log.ts";
import type { BlobStore } from "../src/core/storage/blob-store.ts";
import { chunkKey } from "../src/core/storage/manifest.ts";
import { type PublishReport, activate, listVersions, prune, publish, readManifest } from "../src/core/storage/publish.ts";
import type { Tokenizer } from "../src/core/tokenizer/tokenizer.ts";
import { WordPieceTokenizer } from "../src/core/tokenizer/wordpiece.ts";
import { loadCatalogFile } from "../src/node/catalog-file.ts";
import { FsBlobStore } from "../src/node/fs-blob-store.ts";
import { readSpanModel } from "../src/node/span-model.ts";
import { experimentMain } from "./experiment.ts";
import { openLocalKv, WranglerRemoteStore } from "./stores.ts";

const USAGE = `usage: kv-seed [publish] <local|dir|remote> (--catalog FILE | --from DIR) [options]
       kv-seed versions <local|dir|remote>                   list published versions (* = serving)
       kv-seed activate <local|dir|remote> --version V       switch the serving version (one pointer write)
       kv-seed prune    <local|dir|remote> [--keep N]        remove all but the N newest versions (default 2) and their chunks
       kv-seed experiment --file FILE [local|remote]         validate an A/B experiment and put it live (--help for options)

  --catalog FILE        products as TSV, CSV or JSONL (id, title, ...)
  --queries FILE        query log for autocomplete: TSV query<TAB>count, or one query a line
  --from DIR            publish a version built earlier with \`kv-seed dir\`
  --out DIR             (dir) folder to write into            [.edgespan/index]
  --config FILE         wrangler config                       [wrangler.toml]
  --persist DIR         (local) wrangler state folder         [.wrangler/state/v3]
  --binding NAME        (local) KV binding                    [INDEX]
  --namespace-id ID     (remote) KV namespace id
  --tokenizer FILE      index with this WordPiece vocabulary (wasm/tokenizer.txt) instead of catalog words
  --model DIR           ship the span model exported there (model.json + ONNX) with the version (needs --tokenizer)
  --chunk-size BYTES    chunk size                            [131072]
  --superblock-bits N   BWT superblock size, 2^N positions    [12]
  --sample-rate N       locate sample rate                    [8]
  --skip-invalid        leave out duplicate ids and empty titles (they are still listed)
  --no-activate         upload without switching the serving version
  --dry-run             print what would be written, write nothing`;

class UsageError extends Error {}

async function loadTokenizerFile(path: string): Promise<Tokenizer> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new Error(`${path}: cannot read tokenizer (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return WordPieceTokenizer.load(bytes);
  } catch (e) {
    throw new Error(`${path}:1: ${(e as Error).message}`);
  }
}

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/u.test(value)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

async function artifactsFrom(values: Record<string, string | boolean | undefined>): Promise<Pick<BuiltArtifacts, "manifest" | "chunks">> {
  if (typeof values.from === "string") {
    if (typeof values.queries === "string") throw new UsageError("--queries needs --catalog (a version from --from is published as built)");
    const source = new FsBlobStore(values.from);
    const manifest = await readManifest(source);
    if (!manifest) throw new Error(`${values.from}: no manifest/current (write one with \`kv-seed dir\`)`);
    const keys = [...new Set(Object.values(manifest.artifacts).flatMap((a) => a.chunks.map((c) => c.hash)))];
    const values_ = await source.getMany(keys.map(chunkKey));
    const chunks = new Map<string, Uint8Array>();
    keys.forEach((hash, j) => {
      const v = values_[j];
      if (!v) throw new Error(`${values.from}: chunk ${hash} is missing`);
      chunks.set(hash, v);
    });
    return { manifest, chunks };
  }
  if (typeof values.catalog !== "string") throw new UsageError("give --catalog FILE or --from DIR");
  const { products, skipped } = await loadCatalogFile(values.catalog, { skipInvalid: values["skip-invalid"] === true });
  for (const s of skipped) console.warn(`${values.catalog}:${s.line}: skipped: ${s.reason}`);
  let queries;
  if (typeof values.queries === "string") {
    let text: string;
    try {
      text = await readFile(values.queries, "utf8");
    } catch (e) {
      throw new Error(`${values.queries}: cannot read query log (${(e as Error).message})`);
    }
    queries = parseQueryLog(text, values.queries); // malformed lines: file:line and the reason
  }
  const opts = {
    source: values.catalog,
    chunkSize: intOption(values["chunk-size"] as string | undefined, "chunk-size"),
    superblockBits: intOption(values["superblock-bits"] as string | undefined, "superblock-bits"),
    sampleRate: intOption(values["sample-rate"] as string | undefined, "sample-rate"),
    queries,
    tokenizer: typeof values.tokenizer === "string" ? await loadTokenizerFile(values.tokenizer) : undefined,
    model: typeof values.model === "string" ? await readSpanModel(values.model) : undefined,
  };
  if (opts.model && !opts.tokenizer) throw new UsageError("--model needs --tokenizer: the index must use the model's vocabulary");
  const built = await buildArtifacts(products, Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)));
  const s = built.stats;
  console.log(
    `built ${built.manifest.version}: ${s.products} products, ${s.tokens} tokens, vocabulary ${s.vocabSize}; ` +
      `index ${s.bytes.index} B (${((s.bytes.index * 8) / s.tokens).toFixed(2)} bits/token), docs ${s.bytes.docs} B, ` +
      `tokenizer ${s.bytes.tokenizer} B; ${s.queries !== undefined ? `queries ${s.queries} (${s.bytes.queries} B); ` : ""}${s.millis.tokenize + s.millis.index + s.millis.docs + s.millis.chunks} ms`,
  );
  if (s.truncatedTitles > 0) console.warn(`${s.truncatedTitles} titles were longer than 64 tokens and were indexed up to it`);
  if (s.titlesWithoutTokens > 0) console.warn(`${s.titlesWithoutTokens} titles have no searchable word`);
  return built;
}

function describe(target: string, report: PublishReport, dryRun: boolean): string {
  const verb = dryRun ? "would write" : "wrote";
  return (
    `${target}: ${verb} ${report.chunksWritten} chunks (${report.bytesWritten} bytes), ` +
    `${report.chunksReused} already present; version ${report.version}` +
    (report.switched ? " is now serving" : dryRun ? " (dry run: nothing changed)" : " uploaded, not activated")
  );
}

type Values = Record<string, string | boolean | undefined>;

/** The store a target names, and how to close it. */
async function openTarget(target: string, values: Values): Promise<{ store: BlobStore; where: string; close: () => Promise<void> }> {
  if (!["local", "dir", "remote"].includes(target)) throw new UsageError(`unknown target ${JSON.stringify(target)}`);
  if (target === "dir") return { store: new FsBlobStore(values.out as string), where: `dir ${values.out}`, close: async () => {} };
  if (target === "remote") {
    const id = values["namespace-id"];
    if (typeof id !== "string") throw new UsageError("remote needs --namespace-id ID");
    return { store: new WranglerRemoteStore(id, values.config as string), where: `remote namespace ${id}`, close: async () => {} };
  }
  const { store, close } = await openLocalKv({
    configPath: values.config as string,
    persistPath: values.persist as string,
    binding: values.binding as string,
  });
  return { store, where: `local KV ${values.binding} (${values.persist})`, close };
}

/** publish (the default): build or load a version and upload it. */
async function publishCommand(target: string, values: Values): Promise<void> {
  if (!["local", "dir", "remote"].includes(target)) throw new UsageError(`unknown target ${JSON.stringify(target)}`);
  if (target === "remote" && !values["namespace-id"]) throw new UsageError("remote needs --namespace-id ID");
  const built = await artifactsFrom(values);
  const dryRun = values["dry-run"] === true;
  const { store, where, close } = await openTarget(target, values);
  try {
    const report = await publish(store, built.manifest, built.chunks, { activate: values["no-activate"] !== true, dryRun });
    console.log(describe(where, report, dryRun));
  } finally {
    await close();
  }
}

async function versionsCommand(target: string, values: Values): Promise<void> {
  const { store, where, close } = await openTarget(target, values);
  try {
    const versions = await listVersions(store);
    if (versions.length === 0) console.log(`${where}: no versions published`);
    for (const { manifest: m, current } of versions) {
      const bytes = Object.values(m.artifacts).reduce((sum, a) => sum + a.bytes, 0);
      console.log(`${current ? "*" : " "} ${m.version}  ${m.createdAt}  ${m.catalog.products} products  ${bytes} bytes${m.catalog.source ? `  ${m.catalog.source}` : ""}`);
    }
  } finally {
    await close();
  }
}

async function activateCommand(target: string, values: Values): Promise<void> {
  if (typeof values.version !== "string") throw new UsageError("activate needs --version V (see `kv-seed versions`)");
  const { store, where, close } = await openTarget(target, values);
  try {
    if (values["dry-run"]) {
      const known = (await listVersions(store)).some((v) => v.manifest.version === values.version);
      if (!known) throw new Error(`${where}: version ${values.version} is not published`);
      console.log(`${where}: would switch the serving version to ${values.version} (dry run: nothing changed)`);
      return;
    }
    await activate(store, values.version);
    console.log(`${where}: version ${values.version} is now serving`);
  } finally {
    await close();
  }
}

async function pruneCommand(target: string, values: Values): Promise<void> {
  const keep = intOption(values.keep as string | undefined, "keep") ?? 2;
  const dryRun = values["dry-run"] === true;
  const { store, where, close } = await openTarget(target, values);
  try {
    const report = await prune(store, keep, { dryRun });
    const verb = dryRun ? "would remove" : "removed";
    console.log(`${where}: ${verb} ${report.manifests.length} versions (${report.manifests.join(", ") || "none"}) and ${report.chunks} unreferenced chunks; kept the ${keep} newest and the serving one`);
  } finally {
    await close();
  }
}

const COMMANDS: Record<string, (target: string, values: Values) => Promise<void>> = {
  publish: publishCommand,
  versions: versionsCommand,
  activate: activateCommand,
  prune: pruneCommand,
};

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "experiment") return experimentMain(argv.slice(1));
  // `kv-seed TARGET ...` is short for `kv-seed publish TARGET ...`.
  const [command, target, ...rest] = argv[0] !== undefined && argv[0] in COMMANDS ? argv : ["publish", ...argv];
  const { values } = parseArgs({
    args: rest,
    options: {
      catalog: { type: "string" },
      queries: { type: "string" },
      tokenizer: { type: "string" },
      model: { type: "string" },
      from: { type: "string" },
      out: { type: "string", default: ".edgespan/index" },
      config: { type: "string", default: "wrangler.toml" },
      persist: { type: "string", default: ".wrangler/state/v3" },
      binding: { type: "string", default: "INDEX" },
      "namespace-id": { type: "string" },
      "chunk-size": { type: "string" },
      "superblock-bits": { type: "string" },
      "sample-rate": { type: "string" },
      "skip-invalid": { type: "boolean" },
      "no-activate": { type: "boolean" },
      "dry-run": { type: "boolean" },
      version: { type: "string" },
      keep: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help || !target || target.startsWith("-")) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  await COMMANDS[command!]!(target, values);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e instanceof UsageError ? `kv-seed: ${e.message}\n${USAGE}` : `kv-seed: ${e.message}`);
      process.exit(e instanceof UsageError || e.name === "TypeError" ? 2 : 1);
    },
  );
}
