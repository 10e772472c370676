/**
 * A real Worker for benchmarks and end-to-end tests: `wrangler dev` on a private port with its
 * own persisted state (a temp folder), seeded through wrangler's platform proxy like `kv-seed local`.
 *
 * Used by bench/worker.ts and test/e2e/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import type { BuiltArtifacts } from "../../src/core/artifacts.ts";
import { publish } from "../../src/core/storage/publish.ts";
import { REPO_ROOT } from "../../src/node/paths.ts";
import { openLocalKv } from "../../kv-seed/stores.ts";

export interface WranglerDev {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Ends the process group and waits for it to exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export interface WranglerDevOptions {
  /** The folder `--persist-to` points at; seed it with {@link seedPersistDir} first. */
  persist: string;
  /** A fixed port; by default a free one. */
  port?: number;
  /** `--var NAME:VALUE` overrides. */
  vars?: Record<string, string>;
  /** Keep wrangler's stderr to this process (default) or only report it when the start fails. */
  stderr?: "inherit" | "capture";
  /** How long to wait for the Worker to answer (default 60 s). */
  timeoutMs?: number;
}

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Publishes built artifacts into the local KV that `wrangler dev --persist-to persist` reads. */
export async function seedPersistDir(persist: string, built: Pick<BuiltArtifacts, "manifest" | "chunks">): Promise<void> {
  const { store, close } = await openLocalKv({ configPath: join(REPO_ROOT, "wrangler.toml"), persistPath: join(persist, "v3"), binding: "INDEX" });
  try {
    await publish(store, built.manifest, built.chunks);
  } finally {
    await close();
  }
}

/**
 * Starts `wrangler dev` and resolves once the Worker answers. Readiness is a request that never
 * touches KV (`/v1/search?q=` is a 400), so a cold isolate stays cold for whoever measures it.
 */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const args = ["dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", options.persist, "--log-level", "error"];
  for (const [k, v] of Object.entries(options.vars ?? {})) args.push("--var", `${k}:${v}`);
  const capture = options.stderr === "capture";
  const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "wrangler"), args, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "ignore", capture ? "pipe" : "inherit"],
    detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited: string | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      resolve();
    });
    child.once("error", (err) => {
      exited = `failed to start: ${err.message}`;
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (exited !== null) return;
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    kill("SIGTERM");
    const timer = setTimeout(() => kill("SIGKILL"), 5000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline && exited === null) {
    try {
      const res = await fetch(`${url}/v1/search?q=`);
      await res.arrayBuffer();
      if (res.status === 400) return { url, port, child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const why = exited ?? `did not answer within ${(options.timeoutMs ?? 60_000) / 1000} s`;
  await stop();
  throw new Error(`wrangler dev on port ${port} ${why}${stderr ? `\n${stderr.trim()}` : ""}`);
}
