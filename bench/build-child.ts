/**
 * One index build in its own process, so that its peak resident set is its own (bench/build.ts
 * spawns it). Prints one JSON line (prefixed "RESULT ") with timings, sizes and peak RSS.
 *
 *   node --import tsx bench/build-child.ts homedepot
 *   node --import tsx bench/build-child.ts synthetic 1000000 [seed]
 */
import { buildArtifacts } from "../src/core/artifacts.ts";
import type { Product } from "../src/core/catalog/product.ts";
import { loadCatalogFile } from "../src/node/catalog-file.ts";
import { homedepotProducts, syntheticCatalog } from "./synthetic.ts";

export interface BuildResult {
  readonly catalog: string;
  readonly source: string;
  readonly titles: number;
  readonly tokens: number;
  readonly vocab: number;
  readonly truncatedTitles: number;
  /** Loading or generating the catalog (not part of the build). */
  readonly inputSeconds: number;
  readonly seconds: { tokenize: number; index: number; docs: number; chunks: number; total: number };
  /** Resident set after the catalog was in memory, before the build (MB). */
  readonly rssBeforeBuildMB: number;
  /** process.resourceUsage().maxRSS at the end: peak resident set of the whole process (MB). */
  readonly peakRssMB: number;
  readonly bytes: { index: number; indexChunks: number; indexChunkCount: number; manifest: number; docs: number; tokenizer: number };
}

async function main(): Promise<void> {
  const [kind, nArg, seedArg] = process.argv.slice(2);
  let products: Product[];
  let source: string;
  let catalog: string;
  const t0 = performance.now();
  if (kind === "homedepot") {
    const hd = homedepotProducts();
    if ("missing" in hd) throw new Error(hd.missing);
    products = (await loadCatalogFile(hd.path)).products;
    source = hd.path;
    catalog = "Home Depot";
  } else if (kind === "synthetic") {
    const n = Number(nArg ?? 1_000_000);
    const synthetic = await syntheticCatalog(n, Number(seedArg ?? 1));
    products = synthetic.products;
    source = `synthetic from ${synthetic.model.source}`;
    catalog = `synthetic ${n.toLocaleString("en-US")}`;
  } else {
    throw new Error("usage: build-child.ts homedepot | synthetic N [seed]");
  }
  const inputSeconds = (performance.now() - t0) / 1000;
  const rssBefore = process.memoryUsage().rss;

  const t1 = performance.now();
  const built = await buildArtifacts(products, { source: catalog });
  const totalSeconds = (performance.now() - t1) / 1000;
  const peakKB = process.resourceUsage().maxRSS; // kilobytes on Linux and macOS

  const { stats, manifest } = built;
  const indexRef = manifest.artifacts.index;
  const result: BuildResult = {
    catalog,
    source,
    titles: stats.products,
    tokens: stats.tokens,
    vocab: stats.vocabSize,
    truncatedTitles: stats.truncatedTitles,
    inputSeconds,
    seconds: {
      tokenize: stats.millis.tokenize / 1000,
      index: stats.millis.index / 1000,
      docs: stats.millis.docs / 1000,
      chunks: stats.millis.chunks / 1000,
      total: totalSeconds,
    },
    rssBeforeBuildMB: rssBefore / 2 ** 20,
    peakRssMB: peakKB / 1024,
    bytes: {
      index: stats.bytes.index,
      indexChunks: indexRef.chunks.reduce((a, c) => a + c.size, 0),
      indexChunkCount: indexRef.chunks.length,
      manifest: stats.bytes.manifest,
      docs: stats.bytes.docs,
      tokenizer: stats.bytes.tokenizer,
    },
  };
  console.log("RESULT " + JSON.stringify(result));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
