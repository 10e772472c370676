/**
 * The A/B report over logged events: per arm, users and exposures, share of users against the
 * arm's weight, latency median and p95 of its outcomes, server errors; and a sample-ratio-mismatch
 * check (chi-square goodness of fit of users per arm against the weights; flagged when p < 0.001).
 *
 * Users (distinct `unit`s) are the unit of randomization, so the split and the SRM test count
 * users, not requests (a few heavy users would make request counts fail the test by chance).
 * QA overrides are not random and are reported apart.
 */
import type { Experiment } from "./config.ts";
import type { ExperimentEvent } from "./events.ts";
import { chiSquareGoodnessOfFit, type GoodnessOfFit } from "./stats.ts";

export const SRM_ALPHA = 0.001;

export interface ArmReport {
  arm: string;
  strategy: string;
  /** Expected share, percent (from the experiment document, else the weight logged with the events). */
  weight: number;
  users: number;
  /** Share of the experiment's users, percent. */
  share: number;
  exposures: number;
  outcomes: number;
  latencyP50: number | null;
  latencyP95: number | null;
  serverErrors: number;
  qaExposures: number;
}

export interface ExperimentReport {
  experiment: string;
  events: number;
  users: number;
  firstTs: number | null;
  lastTs: number | null;
  arms: ArmReport[];
  srm: (GoodnessOfFit & { flagged: boolean }) | null;
  notes: string[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function experimentReport(experimentId: string, events: readonly ExperimentEvent[], doc?: Experiment): ExperimentReport {
  const notes: string[] = [];
  const mine = events.filter((e) => e.experiment === experimentId);
  const byArm = new Map<string, { strategy: string; weights: Set<number>; units: Set<string>; exposures: number; latencies: number[]; errors: number; qa: number }>();
  const arm = (name: string, strategy: string, weight?: number) => {
    let a = byArm.get(name);
    if (!a) byArm.set(name, (a = { strategy, weights: new Set(), units: new Set(), exposures: 0, latencies: [], errors: 0, qa: 0 }));
    if (weight !== undefined) a.weights.add(weight);
    return a;
  };
  if (doc?.id === experimentId) for (const a of doc.arms) arm(a.name, a.strategy);
  const allUnits = new Set<string>();
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  for (const e of mine) {
    firstTs = firstTs === null ? e.ts : Math.min(firstTs, e.ts);
    lastTs = lastTs === null ? e.ts : Math.max(lastTs, e.ts);
    const a = arm(e.arm, e.strategy, e.source === "hash" ? e.weight : undefined);
    if (e.type === "exposure") {
      if (e.source === "qa") a.qa++;
      else {
        a.exposures++;
        a.units.add(e.unit);
        allUnits.add(e.unit);
      }
    } else if (e.source === "hash") {
      a.latencies.push(e.latencyMs);
      if (e.status >= 500) a.errors++;
    }
  }
  const users = [...byArm.values()].reduce((s, a) => s + a.units.size, 0);
  if (users !== allUnits.size) notes.push(`${users - allUnits.size} user(s) appear in more than one arm (the salt or the weights changed, or a hash collision)`);
  const arms: ArmReport[] = [...byArm.entries()].map(([name, a]) => {
    const fromDoc = doc?.id === experimentId ? doc.arms.find((x) => x.name === name) : undefined;
    const logged = [...a.weights];
    if (!fromDoc && logged.length > 1) notes.push(`arm ${name} was logged with different weights (${logged.join(", ")}): the split changed during the experiment`);
    const weight = fromDoc?.weight ?? logged.at(-1) ?? 0;
    const sorted = a.latencies.sort((x, y) => x - y);
    return {
      arm: name,
      strategy: fromDoc?.strategy ?? a.strategy,
      weight,
      users: a.units.size,
      share: users === 0 ? 0 : (100 * a.units.size) / users,
      exposures: a.exposures,
      outcomes: sorted.length,
      latencyP50: percentile(sorted, 0.5),
      latencyP95: percentile(sorted, 0.95),
      serverErrors: a.errors,
      qaExposures: a.qa,
    };
  });
  let srm: ExperimentReport["srm"] = null;
  if (users === 0) notes.push("no assigned users yet: nothing to test");
  else {
    const fit = chiSquareGoodnessOfFit(
      arms.map((a) => a.users),
      arms.map((a) => a.weight),
    );
    srm = { ...fit, flagged: fit.p < SRM_ALPHA };
    if (fit.lowCounts) notes.push("an arm expects fewer than 5 users: the SRM test is unreliable this early");
  }
  return { experiment: experimentId, events: mine.length, users, firstTs, lastTs, arms, srm, notes };
}

/** Reports for every experiment that has events (or only `only`). */
export function abReport(events: readonly ExperimentEvent[], options: { only?: string; doc?: Experiment } = {}): ExperimentReport[] {
  const ids = options.only !== undefined ? [options.only] : [...new Set(events.map((e) => e.experiment))].sort();
  return ids.map((id) => experimentReport(id, events, options.doc));
}

const pct = (x: number) => `${x.toFixed(1)}%`;
const ms = (x: number | null) => (x === null ? "-" : x.toFixed(1));
const pValue = (p: number) => (p === 0 ? "0" : p < 1e-4 ? p.toExponential(2) : p.toFixed(4));

export function formatReport(report: ExperimentReport): string {
  const when = report.firstTs === null ? "no events" : `${new Date(report.firstTs).toISOString()} .. ${new Date(report.lastTs!).toISOString()}`;
  const header = ["arm", "strategy", "users", "share", "expected", "exposures", "outcomes", "p50 ms", "p95 ms", "5xx", "qa"];
  const rows = report.arms.map((a) => [a.arm, a.strategy, String(a.users), pct(a.share), pct(a.weight), String(a.exposures), String(a.outcomes), ms(a.latencyP50), ms(a.latencyP95), String(a.serverErrors), String(a.qaExposures)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  const out = [`experiment ${report.experiment}: ${report.users} users, ${report.events} events (${when})`, line(header), ...rows.map(line)];
  if (report.srm) {
    const s = report.srm;
    const verdict = s.flagged
      ? `SAMPLE RATIO MISMATCH (p < ${SRM_ALPHA}): the split does not match the weights; find the cause (assignment, bots, redirects, logging) before reading any metric`
      : `ok (no evidence of a mismatch at p < ${SRM_ALPHA})`;
    out.push(`SRM check (chi-square on users vs weights, ${s.df} df): chi2 = ${s.chi2.toFixed(2)}, p = ${pValue(s.p)}: ${verdict}`);
  }
  for (const note of report.notes) out.push(`note: ${note}`);
  return out.join("\n");
}
