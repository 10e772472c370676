/**
 * `kv-seed experiment`: validates an experiment file and puts it as `experiments/current` into
 * the INDEX namespace, where the Worker picks it up within EXPERIMENT_TTL_SECONDS.
 *
 *   npm run kv-seed -- experiment --file exp.json                 # validate only
 *   npm run kv-seed -- experiment --file exp.json local           # local KV of `wrangler dev`
 *   npm run kv-seed -- experiment --file exp.json remote --namespace-id ID
 *
 * An invalid file is refused with every error naming its field (exit code 2); nothing is written.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { armRanges } from "../src/core/experiments/assign.ts";
import { EXPERIMENT_KEY, type Experiment, MAX_EXPERIMENT_BYTES, parseExperiment } from "../src/core/experiments/config.ts";
import type { BlobStore } from "../src/core/storage/blob-store.ts";
import { openLocalKv, WranglerRemoteStore } from "./stores.ts";

export const EXPERIMENT_USAGE = `usage: kv-seed experiment --file FILE [local|remote] [options]
  (no target)           validate FILE and print the split
  local                 put it as ${EXPERIMENT_KEY} into local KV (what \`wrangler dev\` reads)
  remote                put it into a Cloudflare KV namespace (--namespace-id ID)
  --file FILE           the experiment document (JSON)
  --config FILE         wrangler config                       [wrangler.toml]
  --persist DIR         (local) wrangler state folder         [.wrangler/state/v3]
  --binding NAME        (local) KV binding                    [INDEX]
  --namespace-id ID     (remote) KV namespace id of INDEX
  --dry-run             validate and print, write nothing`;

class ExperimentUsageError extends Error {}

export function describeSplit(experiment: Experiment): string {
  const arms = armRanges(experiment).map(({ arm, start, end }) => `  ${arm.name}: ${arm.weight}% -> ${arm.strategy} (buckets ${start}..${end - 1})`);
  return [`experiment ${experiment.id} (${experiment.status}, salt ${JSON.stringify(experiment.salt)}), ${experiment.arms.length} arms:`, ...arms].join("\n");
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: "string" },
        config: { type: "string", default: "wrangler.toml" },
        persist: { type: "string", default: ".wrangler/state/v3" },
        binding: { type: "string", default: "INDEX" },
        "namespace-id": { type: "string" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (e) {
    throw new ExperimentUsageError((e as Error).message.split(". To specify")[0]!);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(EXPERIMENT_USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new ExperimentUsageError(`one target at most, got ${positionals.join(" ")}`);
  const target = positionals[0];
  if (target !== undefined && target !== "local" && target !== "remote") throw new ExperimentUsageError(`unknown target ${JSON.stringify(target)} (local or remote)`);
  if (!values.file) throw new ExperimentUsageError("--file FILE is required");
  if (target === "remote" && !values["namespace-id"]) throw new ExperimentUsageError("remote needs --namespace-id ID");

  let text: string;
  try {
    text = await readFile(values.file, "utf8");
  } catch (e) {
    throw new ExperimentUsageError(`--file: cannot read ${values.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (Buffer.byteLength(text) > MAX_EXPERIMENT_BYTES) throw new ExperimentUsageError(`${values.file}: larger than ${MAX_EXPERIMENT_BYTES} bytes`);
  const result = parseExperiment(text);
  if (!result.ok) {
    console.error(`kv-seed experiment: ${values.file} is not a valid experiment:\n${result.errors.map((e) => `  ${e}`).join("\n")}`);
    return 2;
  }
  console.log(describeSplit(result.experiment));
  if (target === undefined) return 0;
  if (values["dry-run"]) {
    console.log(`dry run: would put ${EXPERIMENT_KEY} into ${target === "local" ? `local KV ${values.binding}` : `remote namespace ${values["namespace-id"]}`}`);
    return 0;
  }

  // what the Worker reads is exactly the validated document, re-serialized
  const value = new TextEncoder().encode(`${JSON.stringify(result.experiment, null, 2)}\n`);
  let store: BlobStore;
  let close = async (): Promise<void> => {};
  if (target === "remote") store = new WranglerRemoteStore(values["namespace-id"]!, values.config!);
  else ({ store, close } = await openLocalKv({ configPath: values.config!, persistPath: values.persist!, binding: values.binding! }));
  try {
    await store.put(EXPERIMENT_KEY, value);
  } finally {
    await close();
  }
  const where = target === "local" ? `local KV ${values.binding} (${values.persist})` : `remote namespace ${values["namespace-id"]}`;
  console.log(`${where}: ${EXPERIMENT_KEY} is now ${result.experiment.id}; Workers pick it up within EXPERIMENT_TTL_SECONDS`);
  return 0;
}

/** Exit code: 0 done, 2 a usage mistake or an invalid file, 1 a failed write (thrown). */
export async function experimentMain(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (!(e instanceof ExperimentUsageError)) throw e;
    console.error(`kv-seed experiment: ${e.message}\n${EXPERIMENT_USAGE}`);
    return 2;
  }
}
