declare namespace Cloudflare {
  interface Exports {
    default: Fetcher;
  }
  interface Env {
    INDEX: KVNamespace;
    MANIFEST_TTL_SECONDS?: string;
    CHUNK_CACHE_MB?: string;
    PREFETCH_INDEX_MB?: string;
    EXPERIMENT_TTL_SECONDS?: string;
    QA_SECRET?: string;
    ANALYTICS?: AnalyticsEngineDataset;
    EVENTS_SINK?: string;
    EVENTS?: KVNamespace;
    EVENTS_TTL_SECONDS?: string;
  }
}
declare module "*?raw" {
  const text: string;
  export default text;
}
