/** The tiny fixture model's files read from disk (Node; workerd imports them as modules: test/worker/tiny-files.ts). */
import { readFileSync } from "node:fs";
import type { SpanModelFiles } from "../../src/core/model/span-session.ts";
import { TINY_FILE_NAMES } from "./tiny-span-model.ts";

export function tinyModelFiles(): SpanModelFiles {
  const read = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/tiny-span-model/${name}`, import.meta.url)));
  return Object.fromEntries(Object.entries(TINY_FILE_NAMES).map(([field, name]) => [field, read(name)])) as unknown as SpanModelFiles;
}
