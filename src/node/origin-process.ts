/**
 * Runs the SemanticID origin (`python -m edgespan_ml.origin`) as a child process on a free
 * loopback port and waits until it is ready (its artifacts loaded). The eval harness starts one
 * when no --origin is given; tests and benchmarks start their own.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.ts";

export const PYTHON = join(REPO_ROOT, ".venv", "bin", "python");

export interface OriginProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** The modes /ready reports as built. */
  readonly modes: readonly string[];
  /** Kills the process (SIGKILL: an origin that dies, not one that shuts down) and waits for it. */
  kill(): Promise<void>;
}

export interface OriginOptions {
  readonly artifacts: string;
  readonly secret: string;
  /** How long to wait for /ready (default 120 s). */
  readonly timeoutMs?: number;
  /** More flags for the origin (e.g. --no-batching). */
  readonly args?: readonly string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts the origin and resolves once /ready answers 200; on failure the error carries its stderr. */
export async function startOrigin(options: OriginOptions): Promise<OriginProcess> {
  if (!existsSync(PYTHON)) throw new Error(`no Python env at ${PYTHON}: run bash scripts/python-env.sh`);
  const child = spawn(PYTHON, ["-m", "edgespan_ml.origin", "--artifacts", options.artifacts, "--port", "0", ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ORIGIN_SECRET: options.secret },
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  let stdout = "";
  child.stdout!.on("data", (d: Buffer) => void (stdout = (stdout + d.toString()).slice(-4000)));
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => resolve(void (exited = `exited with ${signal ?? code}`)));
    child.once("error", (e) => resolve(void (exited = `failed to start: ${e.message}`)));
  });
  const kill = async () => {
    if (exited === undefined) child.kill("SIGKILL");
    await exit;
  };

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let url: string | undefined;
  while (Date.now() < deadline && exited === undefined) {
    url ??= /origin listening on (http:\/\/\S+)/u.exec(stdout)?.[1];
    if (url) {
      try {
        const res = await fetch(`${url}/ready`);
        const body = (await res.json()) as { modes?: string[] };
        if (res.status === 200) return { url, child, modes: body.modes ?? [], kill };
      } catch {
        // not answering yet
      }
    }
    await sleep(200);
  }
  const why = exited ?? (url ? "was not ready in time" : "did not listen in time");
  await kill();
  throw new Error(`origin (${options.artifacts}) ${why}${stderr ? `\n${stderr.trim()}` : ""}`);
}
