/**
 * The semantic origin the harness evaluates through: a running one (`--origin URL`, signed with
 * $ORIGIN_SECRET), or one it starts itself on the Home Depot artifacts, once, on the first system
 * that needs it, with a random secret, and stops when the evaluation ends.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CircuitBreaker } from "../core/resilience/circuit-breaker.ts";
import { type OriginProcess, startOrigin } from "../node/origin-process.ts";
import { REPO_ROOT } from "../node/paths.ts";
import { OriginClient } from "../worker/origin-client.ts";

export const HOMEDEPOT_ARTIFACTS = join(REPO_ROOT, ".edgespan", "semantic", "homedepot");
/** Evaluation waits for answers: a slow one is measured, not dropped as the Worker would. */
const EVAL_TIMEOUT_MS = 60_000;
/** Loading Home Depot's artifacts (embeddings, models) takes a while on a CPU. */
const START_TIMEOUT_MS = 600_000;

/** Why the origin cannot be used (the harness reports it as a SystemUnavailableError). */
export class OriginUnavailable extends Error {}

export interface OriginSessionOptions {
  /** A running origin; else one is started on `artifacts`. */
  readonly url?: string;
  /** The origin's signing secret (default $ORIGIN_SECRET; a random one for an origin started here). */
  readonly secret?: string;
  readonly artifacts?: string;
}

export class OriginSession {
  private started: Promise<{ client: OriginClient; modes?: readonly string[] }> | undefined;
  private process: OriginProcess | undefined;

  constructor(private readonly options: OriginSessionOptions = {}) {}

  /** A client of the origin, starting it on first use; `modes`: what it has built (when started here). */
  client(): Promise<{ client: OriginClient; modes?: readonly string[] }> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<{ client: OriginClient; modes?: readonly string[] }> {
    const breaker = new CircuitBreaker();
    const { url, artifacts = HOMEDEPOT_ARTIFACTS } = this.options;
    if (url) {
      const secret = this.options.secret ?? process.env["ORIGIN_SECRET"];
      if (!secret) throw new OriginUnavailable(`--origin ${url}: set ORIGIN_SECRET to the origin's signing secret`);
      return { client: new OriginClient({ url, secret, timeoutMs: EVAL_TIMEOUT_MS }, breaker) };
    }
    if (!existsSync(join(artifacts, "products.json"))) {
      throw new OriginUnavailable(
        `no semantic artifacts at ${artifacts}: build them with \`.venv/bin/python -m edgespan_ml.semantic.build --catalog homedepot\`, or give --origin URL`,
      );
    }
    const secret = this.options.secret ?? randomBytes(32).toString("hex");
    console.error(`eval: starting the origin on ${artifacts}…`);
    this.process = await startOrigin({ artifacts, secret, timeoutMs: START_TIMEOUT_MS });
    console.error(`eval: origin ready at ${this.process.url} (modes: ${this.process.modes.join(", ") || "none"})`);
    return { client: new OriginClient({ url: this.process.url, secret, timeoutMs: EVAL_TIMEOUT_MS }, breaker), modes: this.process.modes };
  }

  /** Stops an origin started here (a running one given by URL is left alone). */
  async close(): Promise<void> {
    await this.process?.kill();
  }
}
