/** The demo page's script and markup, checked without a browser (test/e2e drives them in Chromium). */
import { describe, expect, it } from "vitest";
import { DEMO_JS } from "../../src/worker/demo/client.ts";
import { DEMO_HTML } from "../../src/worker/demo/page.ts";

describe("demo page assets", () => {
  it("ships a script that parses", () => {
    expect(() => new Function(DEMO_JS)).not.toThrow();
  });

  it("has every element the script looks up by id", () => {
    const ids = [...DEMO_JS.matchAll(/getElementById\("([\w-]+)"\)/gu)].map((m) => m[1]!);
    const metaFields = [...DEMO_JS.matchAll(/setMeta\("([\w-]+)"/gu)].map((m) => `meta-${m[1]!}`);
    expect(ids.length).toBeGreaterThan(5);
    for (const id of [...ids, ...metaFields]) expect(DEMO_HTML).toContain(`id="${id}"`);
  });

  it("never puts data into the DOM as HTML", () => {
    expect(DEMO_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/u);
  });
});
