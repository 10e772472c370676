/** A BlobStore in a folder: one file per key (keys may contain "/"), for CLIs and local serving. */
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { BlobStore } from "../core/storage/blob-store.ts";

export class FsBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  private path(key: string): string {
    if (key === "" || key.split("/").some((part) => part === "" || part === "." || part === "..")) {
      throw new Error(`invalid key ${JSON.stringify(key)}`);
    }
    return join(this.root, ...key.split("/"));
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    return Promise.all(
      keys.map(async (key) => {
        try {
          return new Uint8Array(await readFile(this.path(key)));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
          throw e;
        }
      }),
    );
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, value);
    await rename(tmp, path); // readers never see half a value
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
        throw e;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.includes(".tmp-")) {
          const key = relative(this.root, full).split(sep).join("/");
          if (key.startsWith(prefix)) out.push(key);
        }
      }
    };
    await walk(this.root);
    return out.sort();
  }
}
