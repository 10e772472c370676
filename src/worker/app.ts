/**
 * The Edgespan Worker: an OpenAPI-described Hono app. Routes stay thin (src/worker/routes);
 * retrieval lives in src/core, KV access in the per-isolate engine provider.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { timing } from "hono/timing";
import type { SpanModelExport } from "../core/model/span-session.ts";
import { IndexUnavailable } from "./engine-provider.ts";
import type { Env } from "./isolate.ts";
import type { ModelVariables } from "./lexical.ts";
import { autocomplete } from "./routes/autocomplete.ts";
import { demo } from "./routes/demo.ts";
import { health } from "./routes/health.ts";
import { search } from "./routes/search.ts";

export type { Env } from "./isolate.ts";

export interface AppOptions {
  /** A span model bundled with the Worker, for index versions that carry none (src/worker/index-bundled.ts). */
  readonly bundledModel?: SpanModelExport;
}

interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

const apiError = (code: string, message: string, field?: string): ApiErrorBody => ({
  error: { code, message, ...(field !== undefined && { field }) },
});

export function createApp(options: AppOptions = {}): OpenAPIHono<{ Bindings: Env; Variables: ModelVariables }> {
  const app = new OpenAPIHono<{ Bindings: Env; Variables: ModelVariables }>({
    // A request that fails its schema: 400 naming the first field at fault.
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0]!;
      return c.json(apiError("invalid_parameter", issue.message, String(issue.path[0] ?? "")), 400);
    },
  });
  app.use(timing({ crossOrigin: true }));
  if (options.bundledModel) {
    const model = options.bundledModel;
    app.use(async (c, next) => {
      c.set("bundledModel", model);
      await next();
    });
  }
  app.route("/", health);
  app.route("/", search);
  app.route("/", autocomplete);
  app.route("/", demo); // the demo page: plain routes, not in /openapi.json
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Edgespan", version: "1", description: "Generative retrieval for e-commerce search at the edge." },
  });

  app.notFound((c) => c.json(apiError("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof IndexUnavailable) return c.json(apiError("index_unavailable", err.message), 503);
    console.error(err);
    return c.json(apiError("internal", "internal error"), 500);
  });
  return app;
}
