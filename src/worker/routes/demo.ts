/**
 * The demo page: `GET /` (HTML), `/demo.js` and `/demo.css`. A plain Hono router, so none of it
 * appears in /openapi.json. No inline script or style, so the CSP needs no 'unsafe-inline'.
 */
import { Hono } from "hono";
import { DEMO_JS } from "../demo/client.ts";
import { DEMO_HTML } from "../demo/page.ts";
import { DEMO_CSS } from "../demo/style.ts";
import type { Env } from "../isolate.ts";

export const DEMO_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "Content-Security-Policy": DEMO_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-cache",
};

const asset = (body: string, contentType: string) => () =>
  new Response(body, { headers: { "Content-Type": contentType, ...SECURITY_HEADERS } });

export const demo = new Hono<{ Bindings: Env }>()
  .get("/", asset(DEMO_HTML, "text/html; charset=utf-8"))
  .get("/demo.js", asset(DEMO_JS, "text/javascript; charset=utf-8"))
  .get("/demo.css", asset(DEMO_CSS, "text/css; charset=utf-8"));
