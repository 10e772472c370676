/**
 * A synthetic catalog of N titles that looks like the real one, for build benchmarks at scale.
 *
 * Statistics are learned from real titles (the Home Depot catalog, else data/sample-catalog.tsv),
 * over normalized words (the word tokenizer's `words`):
 *   - title length: the empirical distribution of words per title;
 *   - first word: the empirical distribution of title-initial words (mostly brands);
 *   - next word: a first-order (bigram) Markov chain, interpolated with the unigram distribution
 *     by Witten–Bell (weight of the unigram after word w = distinct successors / (distinct + total));
 *   - unseen words: with the Good–Turing probability of an unseen word (hapax count / token count)
 *     a brand-new word is emitted (a real hapax with a unique suffix: model numbers and the like),
 *     so the vocabulary keeps growing with the catalog instead of saturating at the source's.
 * Generation is seeded and deterministic: the same source, N and seed give the same titles.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Product } from "../src/core/catalog/product.ts";
import { words } from "../src/core/tokenizer/word-tokenizer.ts";
import { loadCatalogFile } from "../src/node/catalog-file.ts";
import { REPO_ROOT, homedepotDir } from "../src/node/paths.ts";

export { REPO_ROOT };

/** products.tsv of the Home Depot folder, or why it is missing. */
export function homedepotProducts(): { path: string } | { missing: string } {
  const path = resolve(homedepotDir(), "products.tsv");
  return existsSync(path) ? { path } : { missing: `${path} not found (set EDGESPAN_HOMEDEPOT to the Home Depot folder)` };
}

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TitleModel {
  readonly source: string;
  readonly titles: number;
  readonly tokens: number;
  readonly vocab: readonly string[];
  /** Cumulative counts: lengths (index = words per title), first words, unigrams (by word id). */
  readonly lengthCum: Float64Array;
  readonly startCum: Float64Array;
  readonly unigramCum: Float64Array;
  /** Bigram chain in CSR form: successors of word w are next[off[w] .. off[w+1]), cumulative counts in nextCum. */
  readonly off: Uint32Array;
  readonly next: Uint32Array;
  readonly nextCum: Float64Array;
  /** Witten–Bell weight of the unigram distribution after each word. */
  readonly backoff: Float64Array;
  /** Probability of a brand-new word at each position (Good–Turing). */
  readonly novelRate: number;
  /** Ids of words seen once and made of letters/digits only (templates for new words). */
  readonly hapax: Uint32Array;
}

/** Learns the title model from titles. */
export function learnModel(titles: readonly string[], source: string): TitleModel {
  const ids = new Map<string, number>();
  const vocab: string[] = [];
  const freq: number[] = [];
  const lengthCounts: number[] = [];
  const startCounts: number[] = [];
  const pairs: number[] = [];
  let tokens = 0;
  let used = 0;
  const seqs: number[][] = [];
  for (const title of titles) {
    const ws = words(title);
    if (ws.length === 0) continue;
    used++;
    const seq = ws.map((w) => {
      let id = ids.get(w);
      if (id === undefined) {
        id = vocab.length;
        ids.set(w, id);
        vocab.push(w);
        freq.push(0);
      }
      freq[id]!++;
      return id;
    });
    seqs.push(seq);
    tokens += seq.length;
    lengthCounts[seq.length] = (lengthCounts[seq.length] ?? 0) + 1;
    startCounts[seq[0]!] = (startCounts[seq[0]!] ?? 0) + 1;
  }
  const V = vocab.length;
  for (const seq of seqs) for (let j = 1; j < seq.length; j++) pairs.push(seq[j - 1]! * V + seq[j]!);
  const sorted = Float64Array.from(pairs).sort();

  const off = new Uint32Array(V + 1);
  const next: number[] = [];
  const nextCum: number[] = [];
  const total = new Float64Array(V);
  const distinct = new Float64Array(V);
  for (let i = 0; i < sorted.length; ) {
    const key = sorted[i]!;
    let j = i;
    while (j < sorted.length && sorted[j] === key) j++;
    const prev = Math.floor(key / V);
    next.push(key - prev * V);
    total[prev]! += j - i;
    distinct[prev]!++;
    nextCum.push(total[prev]!);
    off[prev + 1]!++;
    i = j;
  }
  for (let w = 0; w < V; w++) off[w + 1]! += off[w]!;
  const backoff = new Float64Array(V);
  for (let w = 0; w < V; w++) backoff[w] = total[w]! > 0 ? distinct[w]! / (distinct[w]! + total[w]!) : 1;

  const hapax: number[] = [];
  for (let w = 0; w < V; w++) if (freq[w] === 1 && /^[\p{L}\p{N}]+$/u.test(vocab[w]!)) hapax.push(w);
  const hapaxAll = freq.filter((f) => f === 1).length;

  return {
    source,
    titles: used,
    tokens,
    vocab,
    lengthCum: cumulative(Array.from({ length: lengthCounts.length }, (_, i) => lengthCounts[i] ?? 0)),
    startCum: cumulative(Array.from({ length: V }, (_, i) => startCounts[i] ?? 0)),
    unigramCum: cumulative(freq),
    off,
    next: Uint32Array.from(next),
    nextCum: Float64Array.from(nextCum),
    backoff,
    novelRate: hapax.length > 0 && tokens > 0 ? hapaxAll / tokens : 0,
    hapax: Uint32Array.from(hapax),
  };
}

function cumulative(counts: ArrayLike<number>): Float64Array {
  const out = new Float64Array(counts.length);
  let sum = 0;
  for (let i = 0; i < counts.length; i++) out[i] = sum += counts[i]!;
  return out;
}

/** Smallest i in [lo, hi) with cum[i] > x (cum non-decreasing). */
function pick(cum: Float64Array, x: number, lo = 0, hi = cum.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function draw(cum: Float64Array, random: () => number): number {
  return pick(cum, random() * cum[cum.length - 1]!);
}

/** Generates n titles from the model (words joined by spaces). */
export function generateTitles(model: TitleModel, n: number, seed = 1): string[] {
  const random = rng(seed);
  const out: string[] = new Array(n);
  let novel = 0;
  const parts: string[] = [];
  for (let t = 0; t < n; t++) {
    const length = draw(model.lengthCum, random);
    parts.length = 0;
    let prev = -1;
    for (let j = 0; j < length; j++) {
      let w: number;
      if (model.novelRate > 0 && random() < model.novelRate) {
        // A new word, shaped like a real hapax; the chain continues from that hapax.
        w = model.hapax[Math.floor(random() * model.hapax.length)]!;
        parts.push(model.vocab[w]! + "z" + (novel++).toString(36));
        prev = w;
        continue;
      }
      if (prev < 0) w = draw(model.startCum, random);
      else {
        const lo = model.off[prev]!;
        const hi = model.off[prev + 1]!;
        if (hi > lo && random() >= model.backoff[prev]!) {
          // nextCum restarts at each predecessor: its last entry is the predecessor's bigram total.
          w = model.next[pick(model.nextCum, random() * model.nextCum[hi - 1]!, lo, hi)]!;
        } else {
          w = draw(model.unigramCum, random);
        }
      }
      parts.push(model.vocab[w]!);
      prev = w;
    }
    out[t] = parts.join(" ");
  }
  return out;
}

/** Real titles to learn from: the Home Depot catalog if present, else the sample catalog. */
export async function sourceTitles(): Promise<{ titles: string[]; source: string }> {
  const hd = homedepotProducts();
  if ("path" in hd) {
    const { products } = await loadCatalogFile(hd.path);
    return { titles: products.map((p) => p.title), source: `Home Depot (${hd.path})` };
  }
  const sample = resolve(REPO_ROOT, "data/sample-catalog.tsv");
  if (!existsSync(sample)) throw new Error(`synthetic catalog: neither ${hd.missing} nor ${sample} exists`);
  const { products } = await loadCatalogFile(sample);
  return { titles: products.map((p) => p.title), source: `data/sample-catalog.tsv (${hd.missing})` };
}

/** A synthetic catalog of n products (ids SYN-0000001, ...), deterministic for a seed. */
export async function syntheticCatalog(n = 1_000_000, seed = 1): Promise<{ products: Product[]; model: TitleModel }> {
  const { titles, source } = await sourceTitles();
  const model = learnModel(titles, source);
  const generated = generateTitles(model, n, seed);
  const products = generated.map((title, i) => ({ id: `SYN-${String(i + 1).padStart(7, "0")}`, title }));
  return { products, model };
}

/** `npx tsx bench/synthetic.ts [N] [seed]`: prints a few titles and the model's statistics. */
if (process.argv[1] && resolve(process.argv[1]) === resolve(REPO_ROOT, "bench/synthetic.ts")) {
  const n = Number(process.argv[2] ?? 10);
  const seed = Number(process.argv[3] ?? 1);
  const { products, model } = await syntheticCatalog(n, seed);
  console.log(`source: ${model.source}: ${model.titles} titles, ${model.tokens} words, vocab ${model.vocab.length}, ` +
    `${model.next.length} distinct bigrams, novel-word rate ${(model.novelRate * 100).toFixed(2)}%`);
  for (const p of products.slice(0, 20)) console.log(`${p.id}\t${p.title}`);
}
