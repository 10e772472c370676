/** Reads a catalog file from disk; errors name the file (and line, from the parser). */
import { readFile } from "node:fs/promises";
import { type ParseOptions, type ParsedCatalog, parseCatalog } from "../core/catalog/catalog.ts";

export async function loadCatalogFile(path: string, options: Omit<ParseOptions, "file"> = {}): Promise<ParsedCatalog> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: cannot read catalog (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseCatalog(text, { ...options, file: path });
}
