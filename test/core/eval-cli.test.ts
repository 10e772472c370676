import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/eval/harness.ts";

function cli(...args: string[]) {
  const tsx = resolve(REPO_ROOT, "node_modules/.bin/tsx");
  const r = spawnSync(tsx, ["bin/edgespan.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("edgespan CLI", () => {
  it("rejects an unknown flag with exit code 2, naming it, without a stack trace", () => {
    const r = cli("eval", "--bogus");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--bogus");
    expect(r.stderr).not.toMatch(/\n\s+at /u);
  });

  it("names a missing file and exits with 2", () => {
    const r = cli("eval", "--products", "/no/such/products.tsv", "--judgments", "/no/such/judgments.tsv");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--judgments: file not found: \/no\/such\/judgments\.tsv/);
  });

  it("lists its commands with --help", () => {
    const r = cli("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/eval\s+evaluate/);
    expect(cli("eval", "--help").stdout).toContain("--system NAME");
  });
});
