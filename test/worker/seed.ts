/** Builds the sample catalog's artifacts inside workerd and publishes them into the test KV. */
import { env } from "cloudflare:test";
import sampleCatalog from "../../data/sample-catalog.tsv?raw";
import sampleQueryLog from "../../data/sample-queries.tsv?raw";
import { type ArtifactOptions, buildArtifacts } from "../../src/core/artifacts.ts";
import { parseQueryLog } from "../../src/core/autocomplete/query-log.ts";
import { parseCatalog } from "../../src/core/catalog/catalog.ts";
import { publish } from "../../src/core/storage/publish.ts";
import { KvBlobStore } from "../../src/worker/kv-blob-store.ts";

export const sampleProducts = parseCatalog(sampleCatalog, { file: "data/sample-catalog.tsv" }).products;
/** The made-up query log of the sample catalog (autocomplete's past queries), seeded by default. */
export const sampleQueries = parseQueryLog(sampleQueryLog, "data/sample-queries.tsv");

export async function seedSample(options: ArtifactOptions = {}) {
  const built = await buildArtifacts(sampleProducts, { chunkSize: 4096, queries: sampleQueries, ...options });
  await publish(new KvBlobStore(env.INDEX), built.manifest, built.chunks);
  return built;
}
