/**
 * A/B assignment for a route (mounted on /v1/search): who the user is, which arm they are in,
 * and what to log. Runs around the handler:
 *
 * - before: starts the decision (experiment from KV through the isolate's cached source, user id,
 *   bucket, QA override) without awaiting it, so the KV read overlaps the engine's; the handler
 *   awaits `c.var.experiment` when it needs the arm's strategy;
 * - after: `X-Experiment-Arm: <experiment>/<arm>`, `X-Experiment-QA` when an override was asked
 *   for, the user cookie when one was minted, and exposure + outcome events written through
 *   `waitUntil` (after the response, never in its latency). 4xx responses (bad input) are not
 *   part of the experiment: no events, no cookie.
 *
 * The user is `X-User-Id` when given (API callers with their own ids), else the `edgespan_uid`
 * cookie, minted on the first visit (random 128-bit id, HttpOnly, SameSite=Lax, one year).
 * A request that names `strategy` itself is not in the experiment.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { assignArm } from "../core/experiments/assign.ts";
import { type Arm, type Experiment, USER_ID_RE } from "../core/experiments/config.ts";
import type { AssignmentSource, ExperimentEvent } from "../core/experiments/events.ts";
import { unitOf } from "../core/experiments/hash.ts";
import { verifyQaToken } from "../core/experiments/qa-token.ts";
import { writeEvents } from "./event-sink.ts";
import { type Env, isolateFor } from "./isolate.ts";

export const USER_COOKIE = "edgespan_uid";
const COOKIE_MAX_AGE = 365 * 86_400;
const COOKIE_RE = /^[A-Za-z0-9_-]{16,64}$/u;
const MAX_PARAM_CHARS = 128;

export interface Assignment {
  readonly experiment: Experiment;
  readonly arm: Arm;
  readonly bucket: number;
  readonly source: AssignmentSource;
  readonly unit: string;
}

export interface ExperimentDecision {
  readonly assignment?: Assignment;
  /** `X-Experiment-QA`: `accepted`, or `ignored; reason=...` when an override was asked for. */
  readonly qa?: string;
  /** A user id minted for this request: set as the cookie. */
  readonly minted?: string;
}

export interface ExperimentVariables {
  experiment: Promise<ExperimentDecision>;
  /** What the handler knows about how the request was served (for the outcome event). */
  outcome: { cacheHit?: boolean; degraded?: boolean };
}

type ExperimentEnv = { Bindings: Env; Variables: ExperimentVariables };

const NO_DECISION: Promise<ExperimentDecision> = Promise.resolve({});

/** The decision for this request (none when the route runs without the middleware). */
export const experimentOf = (c: Context<ExperimentEnv>): Promise<ExperimentDecision> => c.get("experiment") ?? NO_DECISION;

function mintUserId(): string {
  let binary = "";
  for (const b of crypto.getRandomValues(new Uint8Array(16))) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/gu, "-").replace(/\//gu, "_").replace(/=+$/u, "");
}

const ignored = (reason: string) => `ignored; reason=${reason}`;

async function qaOverride(c: Context<ExperimentEnv>, experiment: Experiment, armName: string | undefined, token: string | undefined): Promise<{ arm?: Arm; header: string }> {
  if (armName === undefined || armName === "") return { header: ignored("missing_arm") };
  if (token === undefined || token === "") return { header: ignored("unsigned") };
  if (!c.env.QA_SECRET) return { header: ignored("qa_disabled") };
  const arm = armName.length <= MAX_PARAM_CHARS ? experiment.arms.find((a) => a.name === armName) : undefined;
  if (!arm) return { header: ignored("unknown_arm") };
  const verdict = await verifyQaToken({ secret: c.env.QA_SECRET, experimentId: experiment.id, arm: arm.name, token, nowSeconds: Math.floor(Date.now() / 1000) });
  return verdict.ok ? { arm, header: "accepted" } : { header: ignored(verdict.reason) };
}

async function decide(c: Context<ExperimentEnv>): Promise<ExperimentDecision> {
  const armParam = c.req.query("arm");
  const token = c.req.query("qa");
  const wantsQa = armParam !== undefined || token !== undefined;
  if (c.req.query("strategy") !== undefined) return wantsQa ? { qa: ignored("strategy_named") } : {};
  const experiment = await isolateFor(c.env).experiments.experiment();
  if (!experiment) return wantsQa ? { qa: ignored("no_experiment") } : {};

  const header = c.req.header("X-User-Id");
  if (header !== undefined && !USER_ID_RE.test(header)) return {}; // the route's validation answers 400
  let userId = header;
  let minted: string | undefined;
  if (userId === undefined) {
    const cookie = getCookie(c, USER_COOKIE);
    userId = cookie !== undefined && COOKIE_RE.test(cookie) ? cookie : (minted = mintUserId());
  }
  const unit = unitOf(userId);
  const { arm, bucket } = assignArm(experiment, userId);

  let qa: string | undefined;
  if (wantsQa) {
    const override = await qaOverride(c, experiment, armParam, token);
    if (override.arm) return { assignment: { experiment, arm: override.arm, bucket, source: "qa", unit }, qa: override.header, ...(minted && { minted }) };
    qa = override.header;
  }
  if (experiment.status !== "active") return qa ? { qa } : {};
  return { assignment: { experiment, arm, bucket, source: "hash", unit }, ...(qa && { qa }), ...(minted && { minted }) };
}

export function experiments(): MiddlewareHandler<ExperimentEnv> {
  return async (c, next) => {
    const started = performance.now();
    const pending = decide(c).catch((e: unknown): ExperimentDecision => {
      console.error(`experiments: assignment failed, serving the default strategy: ${(e as Error).message}`);
      return {};
    });
    c.set("experiment", pending);
    c.set("outcome", {});
    await next();

    const decision = await pending;
    const status = c.res.status;
    if (decision.qa) c.header("X-Experiment-QA", decision.qa);
    const a = decision.assignment;
    if (!a || (status >= 400 && status < 500)) return;
    c.header("X-Experiment-Arm", `${a.experiment.id}/${a.arm.name}`);
    c.header("Vary", "Cookie, X-User-Id", { append: true });
    if (decision.minted) {
      const secure = new URL(c.req.url).protocol === "https:";
      setCookie(c, USER_COOKIE, decision.minted, { path: "/", maxAge: COOKIE_MAX_AGE, httpOnly: true, sameSite: "Lax", secure });
    }
    const outcome = c.get("outcome");
    const base = {
      ts: Date.now(),
      experiment: a.experiment.id,
      arm: a.arm.name,
      weight: a.arm.weight,
      strategy: a.arm.strategy,
      source: a.source,
      unit: a.unit,
      bucket: a.bucket,
    };
    const events: ExperimentEvent[] = [
      { ...base, type: "exposure", status: 0, latencyMs: 0, cacheHit: false, degraded: false },
      { ...base, type: "outcome", status, latencyMs: Math.round((performance.now() - started) * 10) / 10, cacheHit: outcome.cacheHit ?? false, degraded: outcome.degraded ?? false },
    ];
    const work = writeEvents(c.env, events).catch((e: unknown) => console.error(`experiments: event write failed: ${(e as Error).message}`));
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      // no execution context (app.request in a unit test): the write still runs to completion
    }
  };
}
