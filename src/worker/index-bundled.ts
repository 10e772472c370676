/**
 * The Worker with the span model in its bundle: index versions published without a model still
 * serve `lexical` (a version's own model in KV takes precedence). Deploy or run it instead of the
 * default entry: `npx wrangler deploy src/worker/index-bundled.ts`, `npx wrangler dev src/worker/index-bundled.ts`.
 */
import { createApp } from "./app.ts";
import { BUNDLED_MODEL } from "./bundled-model.ts";

export default createApp({ bundledModel: BUNDLED_MODEL });
