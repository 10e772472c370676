import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const get = (path: string) => exports.default.fetch(new Request(`http://edgespan.test${path}`));

describe("demo page", () => {
  it("serves the page as HTML with a CSP that allows no inline script or style", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    const html = await res.text();
    expect(html).toContain('<script src="/demo.js" defer></script>');
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/u); // nothing inline the CSP would block
  });

  it.each([
    ["/demo.js", "text/javascript; charset=utf-8", "/v1/autocomplete"],
    ["/demo.css", "text/css; charset=utf-8", "mark"],
  ])("serves %s with its type and nosniff", async (path, type, needle) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe(type);
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(await res.text()).toContain(needle);
  });

  it("is not described as an API route in /openapi.json", async () => {
    const doc = (await (await get("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).not.toContain("/");
    expect(Object.keys(doc.paths)).not.toContain("/demo.js");
  });
});
