/** Where the repository and the (never copied) Home Depot data live. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The Home Depot folder: $EDGESPAN_HOMEDEPOT, else ../shared/datasets/homedepot next to the repo. */
export function homedepotDir(): string {
  return resolve(REPO_ROOT, process.env["EDGESPAN_HOMEDEPOT"] ?? "../shared/datasets/homedepot");
}
