/**
 * Sticky assignment: a user's bucket (hash of salt and user id) falls in exactly one arm's range
 * of buckets, laid out in the order the arms are listed, each `weight`% of them wide.
 */
import type { Arm, Experiment } from "./config.ts";
import { BUCKETS, bucketOf } from "./hash.ts";

/** Each arm's [start, end) bucket range, by cumulative weight. */
export function armRanges(experiment: Pick<Experiment, "arms">): { arm: Arm; start: number; end: number }[] {
  let cumulative = 0;
  return experiment.arms.map((arm) => {
    const start = Math.round((cumulative * BUCKETS) / 100);
    cumulative += arm.weight;
    return { arm, start, end: Math.round((cumulative * BUCKETS) / 100) };
  });
}

/** The arm that owns a bucket. */
export function armForBucket(experiment: Pick<Experiment, "arms">, bucket: number): Arm {
  const ranges = armRanges(experiment);
  for (const r of ranges) if (bucket >= r.start && bucket < r.end) return r.arm;
  // weights sum to 100 in a validated experiment; rounding can only leave the last bucket
  return [...ranges].reverse().find((r) => r.end > r.start)?.arm ?? experiment.arms.at(-1)!;
}

/** The arm a user is in: the same user, salt and arms always give the same arm. */
export function assignArm(experiment: Pick<Experiment, "arms" | "salt">, userId: string): { arm: Arm; bucket: number } {
  const bucket = bucketOf(experiment.salt, userId);
  return { arm: armForBucket(experiment, bucket), bucket };
}
