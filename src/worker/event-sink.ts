/**
 * Where experiment events go: the Analytics Engine dataset bound as ANALYTICS (production; in
 * local development Miniflare accepts the writes and drops them), and, when `EVENTS_SINK = "kv"`,
 * the EVENTS KV namespace under time-ordered keys that expire after EVENTS_TTL_SECONDS (7 days by
 * default), which `edgespan ab-report` reads. Each KV event carries itself as list metadata, so a
 * report lists keys without reading values.
 */
import { type ExperimentEvent, eventKey, toDataPoint } from "../core/experiments/events.ts";
import type { Env } from "./isolate.ts";

const DEFAULT_EVENTS_TTL = 7 * 86_400;
const MIN_KV_TTL = 60; // KV's minimum expirationTtl

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function writeEvents(env: Env, events: readonly ExperimentEvent[]): Promise<void> {
  if (env.ANALYTICS) {
    for (const e of events) {
      try {
        env.ANALYTICS.writeDataPoint(toDataPoint(e));
      } catch (err) {
        console.error(`experiments: Analytics Engine write failed: ${(err as Error).message}`);
      }
    }
  }
  if (env.EVENTS_SINK !== "kv") return;
  if (!env.EVENTS) {
    console.error('experiments: EVENTS_SINK = "kv" but no EVENTS KV binding');
    return;
  }
  const configured = Number(env.EVENTS_TTL_SECONDS ?? DEFAULT_EVENTS_TTL);
  const expirationTtl = Number.isFinite(configured) ? Math.max(MIN_KV_TTL, Math.floor(configured)) : DEFAULT_EVENTS_TTL;
  const kv = env.EVENTS;
  const results = await Promise.allSettled(events.map((e) => kv.put(eventKey(e, randomSuffix()), JSON.stringify(e), { expirationTtl, metadata: e })));
  for (const r of results) if (r.status === "rejected") console.error(`experiments: KV event write failed: ${(r.reason as Error).message}`);
}
