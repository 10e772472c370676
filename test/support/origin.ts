/**
 * A real SemanticID origin for end-to-end tests and benchmarks: `python -m edgespan_ml.origin` on a
 * free loopback port, and a loopback proxy in front of it that the caller steers (pass through,
 * delay, garbage), so that a Worker can be shown a slow or broken origin without touching it.
 *
 * Used by test/e2e/hybrid-origin.test.ts and bench/hybrid.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PYTHON } from "../../src/node/origin-process.ts";
import { REPO_ROOT } from "../../src/node/paths.ts";

export { type OriginProcess, PYTHON, startOrigin } from "../../src/node/origin-process.ts";
export const SAMPLE_ARTIFACTS = join(REPO_ROOT, ".edgespan", "semantic", "sample");
/** The last stage's file: when it is there the build is complete. */
const LAST_ARTIFACT = "sid-model.adaptive.pt";

/** Builds the sample catalog's semantic artifacts unless they are there (the build resumes per stage). */
export function ensureSampleArtifacts(timeoutMs = 600_000): string {
  if (existsSync(join(SAMPLE_ARTIFACTS, LAST_ARTIFACT))) return SAMPLE_ARTIFACTS;
  if (!existsSync(PYTHON)) throw new Error(`no Python env at ${PYTHON}: run bash scripts/python-env.sh`);
  const build = spawnSync(PYTHON, ["-m", "edgespan_ml.semantic.build", "--catalog", "sample", "--out", SAMPLE_ARTIFACTS], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    timeout: timeoutMs,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`semantic build of the sample catalog failed (${build.signal ?? build.status}):\n${(build.stderr ?? "").slice(-3000)}`);
  return SAMPLE_ARTIFACTS;
}

export type ProxyMode = { kind: "pass" } | { kind: "delay"; ms: number } | { kind: "garbage" };

export interface OriginProxy {
  readonly url: string;
  /** Where requests go (an origin's URL); changed when the origin restarts on another port. */
  target: string;
  mode: ProxyMode;
  /** Requests the proxy received. */
  readonly received: number;
  /** The body of the last request, as text. */
  readonly lastBody: string;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy. `pass` forwards; `delay` waits, then forwards; `garbage` answers 200 with
 * a body that is not JSON. When the target does not answer (the origin is dead), the client's
 * connection is dropped, as a dead origin's would be.
 */
export async function startProxy(target: string): Promise<OriginProxy> {
  const proxy = { url: "", target, mode: { kind: "pass" } as ProxyMode, received: 0, lastBody: "", close: async () => {} };
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const upstream = request(`${proxy.target}${req.url ?? "/"}`, { method: req.method, headers: { ...req.headers, host: new URL(proxy.target).host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => req.socket.destroy());
    upstream.end(body);
  };
  const server: Server = createServer((req, res) => {
    proxy.received++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      proxy.lastBody = body.toString("utf8");
      const mode = proxy.mode;
      if (mode.kind === "garbage") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end("\u0000<html>502 upstream exploded</html>{{{");
      } else if (mode.kind === "delay") {
        setTimeout(() => (res.destroyed ? undefined : forward(req, body, res)), mode.ms);
      } else {
        forward(req, body, res);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
