/**
 * A circuit breaker for calls to a dependency that may go down (the semantic origin): after
 * `failureThreshold` consecutive failures it opens and callers skip the dependency; after
 * `cooldownMs` it lets one probe through (half-open); the probe's success closes it, its failure
 * opens it again for another cooldown. Runtime-agnostic: the clock is injected.
 *
 * A probe that never reports back (its request lost with the isolate's event) would hold the
 * breaker half-open forever, so after another cooldown a new probe is allowed.
 */

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  /** Consecutive failures that open the circuit (default 3). */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before a probe, in ms (default 10,000). */
  readonly cooldownMs?: number;
  /** Milliseconds since some epoch (default Date.now). */
  readonly now?: () => number;
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_COOLDOWN_MS = 10_000;

export class CircuitBreaker {
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private failures = 0;
  private openedAt = 0;
  private probeAt: number | undefined;
  private current: BreakerState = "closed";

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) throw new RangeError(`failureThreshold must be a positive integer, got ${this.threshold}`);
    if (!(this.cooldownMs >= 0)) throw new RangeError(`cooldownMs must be >= 0, got ${this.cooldownMs}`);
  }

  get state(): BreakerState {
    return this.current;
  }

  /**
   * Whether a call may go out now. In the open state, the first caller after the cooldown gets
   * `true` and becomes the probe; everyone else gets `false` until the probe reports.
   */
  allow(): boolean {
    if (this.current === "closed") return true;
    const now = this.now();
    if (this.current === "open") {
      if (now - this.openedAt < this.cooldownMs) return false;
      this.current = "half-open";
      this.probeAt = now;
      return true;
    }
    // half-open: one probe at a time, unless the last one went silent for a whole cooldown
    if (this.probeAt !== undefined && now - this.probeAt < this.cooldownMs) return false;
    this.probeAt = now;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probeAt = undefined;
    this.current = "closed";
  }

  failure(): void {
    if (this.current === "open") return; // a straggler from before it opened: the cooldown stands
    this.failures++;
    if (this.current === "half-open" || this.failures >= this.threshold) {
      this.current = "open";
      this.openedAt = this.now();
      this.probeAt = undefined;
    }
  }
}
