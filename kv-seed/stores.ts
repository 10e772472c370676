/**
 * Where kv-seed writes: local KV (the same persisted state `wrangler dev` reads, through
 * wrangler's platform proxy with plain Uint8Arrays, since `wrangler kv bulk put --local` corrupts
 * binary values), a folder, or a remote namespace through the wrangler CLI.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BlobStore } from "../src/core/storage/blob-store.ts";
import { KvBlobStore } from "../src/worker/kv-blob-store.ts";

const run = promisify(execFile);

export interface OpenedStore {
  readonly store: BlobStore;
  close(): Promise<void>;
}

/** wrangler's local platform (Miniflare) with the bindings of a config, persisted where given. */
async function platformProxy(configPath: string, persistPath: string) {
  // wrangler logs at info level to stdout ("Using secrets defined in .dev.vars"), which is where
  // these CLIs print their own output (JSON included): keep it to warnings unless asked otherwise.
  process.env["WRANGLER_LOG"] ??= "warn";
  const { getPlatformProxy } = await import("wrangler");
  return getPlatformProxy<Record<string, KVNamespace>>({ configPath, persist: { path: persistPath }, remoteBindings: false });
}

/** Local KV of `wrangler dev` (persisted under .wrangler/state/v3 by default). */
export async function openLocalKv(options: { configPath: string; persistPath: string; binding: string }): Promise<OpenedStore> {
  const proxy = await platformProxy(options.configPath, options.persistPath);
  const kv = proxy.env[options.binding];
  if (!kv) {
    await proxy.dispose();
    throw new Error(`${options.configPath}: no KV binding named ${options.binding}`);
  }
  return { store: new KvBlobStore(kv), close: () => proxy.dispose() };
}

/**
 * A remote KV namespace through the wrangler CLI (needs `wrangler login` or CLOUDFLARE_API_TOKEN).
 * Values travel as files (`--path`), which is binary-safe. `WRANGLER_BIN` overrides the executable.
 */
export class WranglerRemoteStore implements BlobStore {
  private readonly bin: string;

  constructor(
    private readonly namespaceId: string,
    private readonly configPath: string,
  ) {
    this.bin = process.env.WRANGLER_BIN ?? join(process.cwd(), "node_modules", ".bin", "wrangler");
  }

  private async wrangler(args: string[]): Promise<string> {
    const full = ["kv", ...args, "--namespace-id", this.namespaceId, "--remote", "--config", this.configPath];
    try {
      const { stdout } = await run(this.bin, full, { maxBuffer: 64 * 1024 * 1024, encoding: "buffer" });
      return stdout.toString("latin1");
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`wrangler ${full.slice(0, 3).join(" ")} failed: ${err.stderr?.toString().trim() || err.message}`);
    }
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    const out: (Uint8Array | null)[] = [];
    for (const key of keys) {
      try {
        out.push(new Uint8Array(Buffer.from(await this.wrangler(["key", "get", key]), "latin1")));
      } catch (e) {
        if (/not found|404/iu.test((e as Error).message)) out.push(null);
        else throw e;
      }
    }
    return out;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), "edgespan-kv-"));
    try {
      const file = join(dir, "value.bin");
      await writeFile(file, value);
      await this.wrangler(["key", "put", key, "--path", file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async delete(key: string): Promise<void> {
    await this.wrangler(["key", "delete", key]);
  }

  async list(prefix: string): Promise<string[]> {
    const text = await this.wrangler(["key", "list", "--prefix", prefix]);
    const parsed = JSON.parse(text) as { name: string }[];
    return parsed.map((k) => k.name).sort();
  }
}

/**
 * Raw local KV namespaces by binding (for reading experiment events with their metadata, or
 * writing an experiment document), through the same platform proxy as openLocalKv.
 */
export async function openLocalNamespaces(options: { configPath: string; persistPath: string; bindings: readonly string[] }): Promise<{ namespaces: Record<string, KVNamespace>; close(): Promise<void> }> {
  const proxy = await platformProxy(options.configPath, options.persistPath);
  const namespaces: Record<string, KVNamespace> = {};
  for (const binding of options.bindings) {
    const kv = proxy.env[binding];
    if (!kv) {
      await proxy.dispose();
      throw new Error(`${options.configPath}: no KV binding named ${binding}`);
    }
    namespaces[binding] = kv;
  }
  return { namespaces, close: () => proxy.dispose() };
}
