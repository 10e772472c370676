declare namespace Cloudflare {
  interface Env {
    INDEX: KVNamespace;
    MANIFEST_TTL_SECONDS?: string;
    CHUNK_CACHE_MB?: string;
  }
}
declare module "*?raw" {
  const text: string;
  export default text;
}
