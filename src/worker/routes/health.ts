import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { type Env, isolateFor } from "../isolate.ts";
import { ErrorResponse, jsonContent } from "../schemas.ts";

const Health = z
  .object({
    status: z.literal("ok"),
    index: z.object({ version: z.string(), products: z.number().int() }),
  })
  .openapi("Health");

const route = createRoute({
  method: "get",
  path: "/health",
  summary: "Liveness, and the index version being served",
  responses: {
    200: jsonContent(Health, "The Worker can read its index."),
    503: jsonContent(ErrorResponse, "No index is published."),
  },
});

export const health = new OpenAPIHono<{ Bindings: Env }>().openapi(route, async (c) => {
  const engine = await isolateFor(c.env).provider.engine();
  const { version, catalog } = engine.manifest;
  return c.json({ status: "ok" as const, index: { version, products: catalog.products } }, 200);
});
