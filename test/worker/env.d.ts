declare namespace Cloudflare {
  interface Exports {
    default: Fetcher;
  }
  interface Env {
    INDEX: KVNamespace;
    MANIFEST_TTL_SECONDS?: string;
    CHUNK_CACHE_MB?: string;
    PREFETCH_INDEX_MB?: string;
  }
}
declare module "*?raw" {
  const text: string;
  export default text;
}
