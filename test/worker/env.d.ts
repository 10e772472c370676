// The Worker tests see the Worker's own bindings (src/worker/isolate.ts) and its main module's
// exports (`exports.default.fetch`), as `wrangler types` would declare them.
import type { Env as WorkerEnv } from "../../src/worker/isolate.ts";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../../src/worker/index.ts");
    }
    interface Env extends WorkerEnv {}
  }
}
