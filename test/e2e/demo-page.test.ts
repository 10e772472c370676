/**
 * The demo page end to end: a real Worker (`wrangler dev` on a free port, its own KV seeded with
 * the sample catalog) and headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
 *
 * Without Chromium the tests skip locally; with CI=true they fail (CI installs it, see .ci/run).
 * Screenshots (results, suggestions) go to the temp folder, or next to E2E_SCREENSHOT=FILE.png.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts } from "../../src/core/artifacts.ts";
import { loadCatalogFile } from "../../src/node/catalog-file.ts";
import { REPO_ROOT } from "../../src/node/paths.ts";
import { type WranglerDev, seedPersistDir, startWranglerDev } from "../support/wrangler-dev.ts";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const IN_CI = process.env["CI"] === "true";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const NO_CHROMIUM = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;

// A sample-catalog query; a prefix of it is typed before the suggestions are checked.
const QUERY = "black door knob";
const QUERY_WORDS = QUERY.split(" ");

let worker: WranglerDev | undefined;
let context: BrowserContext | undefined;
let persist: string | undefined;
let userDataDir: string | undefined;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) {
    if (!IN_CI) console.warn(`SKIP e2e: ${NO_CHROMIUM}`);
    return; // each test fails (CI=true) or skips, see needChromium
  }
  const { products } = await loadCatalogFile(join(REPO_ROOT, "data/sample-catalog.tsv"), { skipInvalid: true });
  persist = await mkdtemp(join(tmpdir(), "edgespan-e2e-kv-"));
  await seedPersistDir(persist, await buildArtifacts(products, { source: "sample" }));
  userDataDir = await mkdtemp(join(tmpdir(), "edgespan-e2e-chromium-"));
  [worker, context] = await Promise.all([
    startWranglerDev({ persist, stderr: "capture", timeoutMs: 120_000 }),
    chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1000, height: 760 } }),
  ]);
}, 240_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await worker?.stop();
  for (const dir of [persist, userDataDir]) if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

/** Without Chromium: a failure under CI=true (CI must run this test), a skip otherwise. */
function needChromium(ctx: { skip: (note: string) => never }): void {
  if (context) return;
  if (IN_CI) throw new Error(`${NO_CHROMIUM}; CI=true, so the end-to-end test fails instead of skipping`);
  ctx.skip(NO_CHROMIUM);
}

/** Opens the page and records what would mean a broken page: script errors, CSP violations. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await context!.newPage();
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    // A 404 from /v1/autocomplete (not there yet) is logged as a failed resource; that is expected.
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) problems.push(`console: ${msg.text()}`);
  });
  const res = await page.goto(`${worker!.url}/`);
  expect(res?.status()).toBe(200);
  const headers = res!.headers();
  expect(headers["content-security-policy"]).toContain("script-src 'self'");
  expect(headers["content-security-policy"]).not.toContain("unsafe-inline");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  await page.locator("html[data-ready=true]").waitFor({ timeout: 15_000 });
  return { page, problems };
}

/** Saves a screenshot for a person to look at (never committed): E2E_SCREENSHOT or the temp folder. */
async function screenshot(page: Page, what: string): Promise<void> {
  const base = process.env["E2E_SCREENSHOT"]?.replace(/\.png$/u, "") ?? join(tmpdir(), `edgespan-e2e-${process.pid}`);
  const path = `${base}-${what}.png`;
  await page.screenshot({ path, fullPage: true });
  console.log(`e2e: screenshot of the ${what} at ${path}`);
}

/**
 * The longest prefix of `query` (2 characters or more) that GET /v1/autocomplete has suggestions
 * for, asked from Node; what the page then shows for it is the browser's part. 404: not there yet.
 */
async function suggestingPrefix(query: string): Promise<{ status: number; prefix: string }> {
  let status = 0;
  for (let n = query.length - 1; n >= 2; n--) {
    const prefix = query.slice(0, n);
    if (prefix.endsWith(" ")) continue;
    const res = await fetch(`${worker!.url}/v1/autocomplete?${new URLSearchParams({ q: prefix, k: "8" })}`);
    status = res.status;
    const body = (await res.json().catch(() => null)) as { suggestions?: unknown[] } | null;
    if (status === 404) return { status, prefix: query.slice(0, Math.ceil(query.length / 2)) };
    if (status === 200 && (body?.suggestions?.length ?? 0) > 0) return { status, prefix };
  }
  throw new Error(`GET /v1/autocomplete (HTTP ${status}) suggests nothing for any prefix of "${query}"`);
}

async function waitForResults(page: Page, query: string): Promise<void> {
  await page.locator("#status", { hasText: `for \u201c${query}\u201d` }).waitFor({ timeout: 15_000 });
  await page.locator("#results li.hit").first().waitFor({ timeout: 15_000 });
}

describe("demo page in Chromium", () => {
  it("suggests as you type, searches on Enter, highlights matches and shows path and timing", async (ctx) => {
    needChromium(ctx);
    const { page, problems } = await openPage();
    const input = page.getByRole("combobox", { name: "Search products" });
    await input.click();
    const { status, prefix } = await suggestingPrefix(QUERY);
    await input.pressSequentially(prefix, { delay: 60 });

    if (status === 404) {
      const note = "suggestions assertion skipped: GET /v1/autocomplete answers 404 (not implemented on this Worker yet)";
      console.warn(`e2e: ${note}`);
      await ctx.annotate(note, "skip");
      // Degrades gracefully: no list, a hint that says so, search still works (below).
      await page.locator("#q-hint", { hasText: "not available" }).waitFor({ timeout: 10_000 });
      expect(await page.locator("#suggestions").isHidden()).toBe(true);
      expect(await input.getAttribute("aria-expanded")).toBe("false");
    } else {
      expect(status).toBe(200);
      const first = page.locator("#suggestions [role=option]").first();
      await first.waitFor({ state: "visible", timeout: 10_000 });
      expect(await input.getAttribute("aria-expanded")).toBe("true");
      await screenshot(page, "live-suggestions");
      await input.press("ArrowDown");
      expect(await input.getAttribute("aria-activedescendant")).toBe(await first.getAttribute("id"));
      expect(await first.getAttribute("aria-selected")).toBe("true");
      await input.press("Escape");
      expect(await page.locator("#suggestions").isHidden()).toBe(true);
      expect(await input.getAttribute("aria-activedescendant")).toBeNull();
    }

    await input.pressSequentially(QUERY.slice(prefix.length), { delay: 40 });
    await input.press("Enter"); // no suggestion is active, so Enter searches the text as typed
    await waitForResults(page, QUERY);

    const marks = (await page.locator("#results mark").allTextContents()).map((m) => m.toLowerCase());
    expect(marks.length).toBeGreaterThan(0);
    expect(marks.some((m) => QUERY_WORDS.includes(m))).toBe(true);
    for (const m of marks) for (const w of m.split(/\s+/u)) expect(QUERY_WORDS).toContain(w);
    // The default path is lexical; the sample index has no span model, so fm-ngram answers.
    expect(await page.locator("#meta-path").textContent()).toBe("fm-ngram (asked: lexical)");
    expect(await page.locator("#meta-server").textContent()).toMatch(/^[\d.]+ ms$/u);
    expect(await page.locator("#meta-rtt").textContent()).toMatch(/^[\d.]+ ms$/u);
    expect(await page.locator("#meta-arm").textContent()).not.toBe("");
    expect(new URL(page.url()).searchParams.get("q")).toBe(QUERY);

    await screenshot(page, "results");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("searches with the chosen path when the button is clicked", async (ctx) => {
    needChromium(ctx);
    const { page, problems } = await openPage();
    const strategies = await page.locator("#strategy option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(strategies).toEqual(expect.arrayContaining(["", "fm-ngram"])); // "" = the server's default
    const chosen = strategies.find((s) => s !== "" && s !== "fm-ngram" && s !== "lexical") ?? "fm-ngram";
    await page.getByLabel("Path").selectOption(chosen);
    await page.getByRole("combobox", { name: "Search products" }).fill("garden hose");
    await page.getByRole("button", { name: "Search" }).click();
    await waitForResults(page, "garden hose");
    expect(await page.locator("#meta-path").textContent()).toBe(chosen);
    const titles = await page.locator("#results .hit-title").allTextContents();
    expect(titles.some((t) => /garden hose/iu.test(t))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("drives suggestions with the keyboard and the mouse (autocomplete stubbed to its contract)", async (ctx) => {
    needChromium(ctx);
    const { page, problems } = await openPage();
    // The contract of GET /v1/autocomplete, answered in the browser so the UI is tested on its own.
    await page.route("**/v1/autocomplete?*", (route) => {
      const q = new URL(route.request().url()).searchParams.get("q") ?? "";
      const suggestions = ["garden hose", "garden hose reel", "garden hose nozzle"]
        .filter((t) => t.startsWith(q.toLowerCase()))
        .map((text, i) => ({ text, source: i === 0 ? "query" : "title", score: 1 - i / 10 }));
      return route.fulfill({ json: { query: q, suggestions, index: "stub" } });
    });
    const input = page.getByRole("combobox", { name: "Search products" });
    await input.click();
    await input.pressSequentially("gard", { delay: 50 });
    const options = page.locator("#suggestions [role=option]");
    await options.nth(2).waitFor({ timeout: 10_000 });
    expect(await options.count()).toBe(3);
    await input.press("ArrowDown");
    await input.press("ArrowDown");
    expect(await input.getAttribute("aria-activedescendant")).toBe("suggestion-1");
    await input.press("ArrowUp");
    await input.press("ArrowUp"); // wraps to the last
    expect(await input.getAttribute("aria-activedescendant")).toBe("suggestion-2");
    await screenshot(page, "suggestions");
    await input.press("Escape");
    expect(await page.locator("#suggestions").isHidden()).toBe(true);
    expect(await input.inputValue()).toBe("gard");

    await input.pressSequentially("en", { delay: 50 });
    await options.first().waitFor({ timeout: 10_000 });
    await input.press("ArrowDown");
    await input.press("Enter"); // takes the suggestion and searches it
    expect(await input.inputValue()).toBe("garden hose");
    await waitForResults(page, "garden hose");

    await input.fill("");
    await input.pressSequentially("garden", { delay: 30 });
    await options.nth(1).click(); // the mouse takes an option too
    expect(await input.inputValue()).toBe("garden hose reel");
    await waitForResults(page, "garden hose reel");
    expect(problems).toEqual([]);
    await page.close();
  });
});
