import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Projects: the runtime-agnostic core and the CLIs run in Node; the Worker runs inside workerd
// against real KV and Cache API (Miniflare), seeded by test/worker/global-setup.ts; e2e drives the
// demo page in headless Chromium against `wrangler dev`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "core",
          include: ["test/core/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // A/B tests: a test-only QA secret, events into the EVENTS KV sink, experiments re-read on every request.
            miniflare: { bindings: { QA_SECRET: "test-qa-secret", EVENTS_SINK: "kv", EXPERIMENT_TTL_SECONDS: "0" } },
          }),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        // The demo page in headless Chromium against a real `wrangler dev` (test/e2e/demo-page.test.ts).
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
