/**
 * Query buckets for reports. The dataset has no traffic counts, so head/torso/tail are replaced
 * by proxies: query length, lexical overlap with the relevant titles, and out-of-vocabulary words.
 */
import type { Product } from "../core/catalog/product.ts";
import { words } from "../core/tokenizer/word-tokenizer.ts";

/** Words as the engine's word tokenizer sees them. */
export { words };

/** Bucket names in report order; `family:` prefixes group them into one table each. */
export const BUCKETS = ["all", "len:1-2", "len:3-4", "len:5+", "overlap:all", "overlap:some", "overlap:none", "oov"] as const;
export type Bucket = (typeof BUCKETS)[number];

export interface CatalogWords {
  /** Every word of every title. */
  readonly vocabulary: ReadonlySet<string>;
  readonly titleWords: ReadonlyMap<string, ReadonlySet<string>>;
}

export function catalogWords(products: readonly Product[]): CatalogWords {
  const vocabulary = new Set<string>();
  const titleWords = new Map<string, ReadonlySet<string>>();
  for (const p of products) {
    const ws = new Set(words(p.title));
    titleWords.set(p.id, ws);
    for (const w of ws) vocabulary.add(w);
  }
  return { vocabulary, titleWords };
}

/** The buckets a query falls in; `relevant` are the ids of its relevant products. */
export function queryBuckets(query: string, relevant: readonly string[], catalog: CatalogWords): Bucket[] {
  const all = words(query);
  const qWords = [...new Set(all)];
  const n = all.length;
  const buckets: Bucket[] = ["all", n <= 2 ? "len:1-2" : n <= 4 ? "len:3-4" : "len:5+"];

  const shared = relevant.map((id) => {
    const title = catalog.titleWords.get(id) ?? new Set<string>();
    return qWords.filter((w) => title.has(w)).length;
  });
  if (qWords.length > 0 && shared.some((s) => s === qWords.length)) buckets.push("overlap:all");
  else if (shared.every((s) => s === 0)) buckets.push("overlap:none");
  else buckets.push("overlap:some");

  if (qWords.some((w) => !catalog.vocabulary.has(w))) buckets.push("oov");
  return buckets;
}
