/** Builds the sample catalog's artifacts inside workerd and publishes them into the test KV. */
import { env } from "cloudflare:test";
import sampleCatalog from "../../data/sample-catalog.tsv?raw";
import { type ArtifactOptions, buildArtifacts } from "../../src/core/artifacts.ts";
import { parseCatalog } from "../../src/core/catalog/catalog.ts";
import { publish } from "../../src/core/storage/publish.ts";
import { KvBlobStore } from "../../src/worker/kv-blob-store.ts";

export const sampleProducts = parseCatalog(sampleCatalog, { file: "data/sample-catalog.tsv" }).products;

export async function seedSample(options: ArtifactOptions = {}) {
  const built = await buildArtifacts(sampleProducts, { chunkSize: 4096, ...options });
  await publish(new KvBlobStore(env.INDEX), built.manifest, built.chunks);
  return built;
}
