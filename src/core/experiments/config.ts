/**
 * An A/B experiment as stored in KV (`experiments/current`): which arms split the traffic, with
 * what weight, and which retrieval strategy each arm serves. Validated with zod; every error
 * names the field at fault (`arms[1].strategy: ...`).
 *
 *   { "id": "seal-vs-ngram", "salt": "2026-05-a", "status": "active",
 *     "arms": [ { "name": "A", "weight": 50, "strategy": "fm-ngram" },
 *               { "name": "B", "weight": 50, "strategy": "fm-ngram-seal" } ] }
 *
 * Weights are percentages with at most two decimals (one bucket in 10,000) and sum to 100.
 */
import { z } from "zod";
import { STRATEGY_NAMES } from "../retrieval/strategies.ts";
import { BUCKETS } from "./hash.ts";

/** KV key (INDEX namespace) of the experiment being served. */
export const EXPERIMENT_KEY = "experiments/current";
export const MAX_ARMS = 10;
/** A document larger than this is rejected before parsing. */
export const MAX_EXPERIMENT_BYTES = 16 * 1024;
/** Experiment ids and arm names travel in headers (`id/arm`) and QA tokens (`id:arm:expiry`). */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u;
/** An `X-User-Id` a caller supplies: 1–128 visible ASCII characters. */
export const USER_ID_RE = /^[\x21-\x7e]{1,128}$/u;
const NAME_RULE = "1–64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit";

const name = (field: string) =>
  z.string({ error: `${field} must be a string` }).regex(NAME_RE, `${field} must be ${NAME_RULE}`);

const toBuckets = (weight: number): number => Math.round((weight * BUCKETS) / 100);

export const ArmSchema = z.strictObject(
  {
    name: name("name"),
    weight: z
      .number({ error: "weight must be a number (percent)" })
      .min(0, "weight must be between 0 and 100")
      .max(100, "weight must be between 0 and 100")
      .refine((w) => Math.abs((w * BUCKETS) / 100 - toBuckets(w)) < 1e-6, "weight may have at most two decimals (0.01% = one bucket)"),
    strategy: z.enum(STRATEGY_NAMES, { error: `strategy must be one of: ${STRATEGY_NAMES.join(", ")}` }),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : "an arm must be an object") },
);

export const ExperimentSchema = z
  .strictObject(
    {
      id: name("id"),
      salt: z.string({ error: "salt must be a string" }).min(1, "salt must not be empty").max(128, "salt must be at most 128 characters"),
      status: z.enum(["active", "paused"], { error: "status must be active or paused" }),
      description: z.string().max(1000, "description must be at most 1000 characters").optional(),
      arms: z
        .array(ArmSchema, { error: "arms must be a list" })
        .min(2, "arms must list at least 2 arms")
        .max(MAX_ARMS, `arms must list at most ${MAX_ARMS} arms`),
    },
    { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : "the experiment must be a JSON object") },
  )
  .superRefine((exp, ctx) => {
    const seen = new Set<string>();
    exp.arms.forEach((arm, i) => {
      if (seen.has(arm.name)) ctx.addIssue({ code: "custom", path: ["arms", i, "name"], message: `name ${JSON.stringify(arm.name)} is used by another arm` });
      seen.add(arm.name);
    });
    const total = exp.arms.reduce((sum, arm) => sum + toBuckets(arm.weight), 0);
    if (total !== BUCKETS) {
      const sum = exp.arms.reduce((s, a) => s + a.weight, 0);
      ctx.addIssue({ code: "custom", path: ["arms"], message: `weights must sum to 100, got ${Number(sum.toFixed(4))}` });
    }
  });

export type Experiment = z.infer<typeof ExperimentSchema>;
export type Arm = z.infer<typeof ArmSchema>;

export type ParseResult = { ok: true; experiment: Experiment } | { ok: false; errors: string[] };

/** `arms[1].strategy` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out;
}

/** Validates a parsed document; errors read `field: message` (the whole document is `(root)`). */
export function validateExperiment(doc: unknown): ParseResult {
  const result = ExperimentSchema.safeParse(doc);
  if (result.success) return { ok: true, experiment: result.data };
  const errors = result.error.issues.slice(0, 20).map((issue) => `${fieldPath(issue.path) || "(root)"}: ${issue.message}`);
  return { ok: false, errors };
}

/** Parses and validates the JSON text of an experiment document. */
export function parseExperiment(text: string): ParseResult {
  if (text.length > MAX_EXPERIMENT_BYTES) return { ok: false, errors: [`(root): the document is larger than ${MAX_EXPERIMENT_BYTES} bytes`] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`(root): not valid JSON: ${(e as Error).message}`] };
  }
  return validateExperiment(doc);
}
