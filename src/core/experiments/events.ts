/**
 * Experiment events. An `exposure` records that a user was served an arm; an `outcome` records how
 * that request went. Both go to Workers Analytics Engine in production and, for local
 * development (where Analytics Engine accepts writes but cannot be queried), to a KV namespace
 * under time-ordered keys that `edgespan ab-report` reads.
 */

export type EventType = "exposure" | "outcome";
/** `hash`: assigned by bucket; `qa`: a signed QA override (left out of the split statistics). */
export type AssignmentSource = "hash" | "qa";

export interface ExperimentEvent {
  type: EventType;
  /** Epoch milliseconds. */
  ts: number;
  experiment: string;
  arm: string;
  /** The arm's weight in percent when the event was written. */
  weight: number;
  strategy: string;
  source: AssignmentSource;
  /** Pseudonymous user key (a hash of the user id). */
  unit: string;
  bucket: number;
  /** Outcome fields (0/false on an exposure). */
  status: number;
  latencyMs: number;
  cacheHit: boolean;
  degraded: boolean;
}

/** What Analytics Engine's `writeDataPoint` takes (structurally its AnalyticsEngineDataPoint). */
export interface DataPoint {
  indexes: string[];
  blobs: string[];
  doubles: number[];
}

/**
 * Analytics Engine layout (one data point per event; query with SQL over the dataset):
 *
 *   indexes[0]  experiment id (the sampling key)
 *   blob1 type ("exposure" | "outcome")   blob2 experiment   blob3 arm   blob4 strategy
 *   blob5 source ("hash" | "qa")          blob6 unit (user hash)
 *   double1 latency ms   double2 status   double3 cache hit (0/1)   double4 degraded (0/1)
 *   double5 bucket       double6 arm weight (percent)           double7 event time (epoch ms)
 */
export function toDataPoint(e: ExperimentEvent): DataPoint {
  return {
    indexes: [e.experiment],
    blobs: [e.type, e.experiment, e.arm, e.strategy, e.source, e.unit],
    doubles: [e.latencyMs, e.status, e.cacheHit ? 1 : 0, e.degraded ? 1 : 0, e.bucket, e.weight, e.ts],
  };
}

/** Prefix of the local sink's keys; `events/<experiment>/` lists one experiment in time order. */
export const EVENTS_PREFIX = "events/";

/** `events/<experiment>/<epoch ms, 13 digits>-<type initial>-<random>`: sorted by time within an experiment. */
export function eventKey(e: ExperimentEvent, random: string): string {
  return `${EVENTS_PREFIX}${e.experiment}/${String(e.ts).padStart(13, "0")}-${e.type[0]}-${random}`;
}

const EVENT_TYPES = new Set(["exposure", "outcome"]);

/** An event read back from the sink, or undefined when it is not one (foreign or damaged keys are skipped). */
export function asEvent(value: unknown): ExperimentEvent | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const ok =
    EVENT_TYPES.has(e.type as string) &&
    typeof e.ts === "number" &&
    typeof e.experiment === "string" &&
    typeof e.arm === "string" &&
    typeof e.weight === "number" &&
    typeof e.strategy === "string" &&
    (e.source === "hash" || e.source === "qa") &&
    typeof e.unit === "string" &&
    typeof e.bucket === "number" &&
    typeof e.status === "number" &&
    typeof e.latencyMs === "number" &&
    typeof e.cacheHit === "boolean" &&
    typeof e.degraded === "boolean";
  return ok ? (e as unknown as ExperimentEvent) : undefined;
}
