/**
 * Reads the local experiment-event sink (the EVENTS KV namespace that `wrangler dev` writes when
 * EVENTS_SINK = "kv") and builds the A/B reports. Events ride in their keys' list metadata, so a
 * report lists keys and reads no values; listing stops at `limit` events.
 */
import { EXPERIMENT_KEY, type Experiment, parseExperiment } from "../core/experiments/config.ts";
import { asEvent, EVENTS_PREFIX, type ExperimentEvent } from "../core/experiments/events.ts";
import { abReport, type ExperimentReport } from "../core/experiments/report.ts";

export const DEFAULT_EVENT_LIMIT = 1_000_000;

/** The part of a KV namespace the report needs. */
export interface KvReader {
  list(options: { prefix: string; cursor?: string; limit?: number }): Promise<{ keys: { name: string; metadata?: unknown }[]; list_complete: boolean; cursor?: string }>;
  get(key: string, type: "text"): Promise<string | null>;
}

export async function readEvents(kv: KvReader, options: { experiment?: string; limit?: number } = {}): Promise<{ events: ExperimentEvent[]; skipped: number; truncated: boolean }> {
  const limit = options.limit ?? DEFAULT_EVENT_LIMIT;
  const prefix = options.experiment !== undefined ? `${EVENTS_PREFIX}${options.experiment}/` : EVENTS_PREFIX;
  const events: ExperimentEvent[] = [];
  let skipped = 0;
  let cursor: string | undefined;
  const maxPages = Math.ceil(limit / 1000) + 1;
  for (let page = 0; page < maxPages; page++) {
    const res = await kv.list({ prefix, limit: 1000, ...(cursor !== undefined && { cursor }) });
    for (const key of res.keys) {
      const e = asEvent(key.metadata);
      if (e) events.push(e);
      else skipped++;
      if (events.length >= limit) return { events, skipped, truncated: true };
    }
    if (res.list_complete || res.cursor === undefined) return { events, skipped, truncated: false };
    cursor = res.cursor;
  }
  return { events, skipped, truncated: true };
}

/** The experiment document being served, when it is valid (its weights and arms anchor the report). */
export async function readExperiment(kv: KvReader): Promise<Experiment | undefined> {
  const text = await kv.get(EXPERIMENT_KEY, "text");
  if (text === null) return undefined;
  const parsed = parseExperiment(text);
  return parsed.ok ? parsed.experiment : undefined;
}

export async function buildReports(events: KvReader, index: KvReader | undefined, options: { experiment?: string; limit?: number } = {}): Promise<{ reports: ExperimentReport[]; notes: string[] }> {
  const read = await readEvents(events, options);
  const doc = index ? await readExperiment(index) : undefined;
  const notes: string[] = [];
  if (read.skipped > 0) notes.push(`${read.skipped} key(s) under ${EVENTS_PREFIX} are not events and were skipped`);
  if (read.truncated) notes.push(`stopped at ${read.events.length} events (--limit)`);
  const reports = abReport(read.events, { ...(options.experiment !== undefined && { only: options.experiment }), ...(doc && { doc }) });
  return { reports, notes };
}
