import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/core/resilience/circuit-breaker.ts";

/** A settable clock: time moves only when the test says so. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("CircuitBreaker", () => {
  it("stays closed below the threshold; a success resets the count", () => {
    const breaker = new CircuitBreaker({ now: clock().now });
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe("closed");
    expect(breaker.allow()).toBe(true);
  });

  it("opens after 3 consecutive failures and refuses calls during the 10 s cooldown", () => {
    const time = clock();
    const breaker = new CircuitBreaker({ now: time.now });
    for (let i = 0; i < 3; i++) breaker.failure();
    expect(breaker.state).toBe("open");
    expect(breaker.allow()).toBe(false);
    time.advance(9_999);
    expect(breaker.allow()).toBe(false);
    expect(breaker.state).toBe("open");
  });

  it("lets one probe through after the cooldown; its success closes the circuit", () => {
    const time = clock();
    const breaker = new CircuitBreaker({ now: time.now });
    for (let i = 0; i < 3; i++) breaker.failure();
    time.advance(10_000);
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe("half-open");
    expect(breaker.allow()).toBe(false); // only one probe at a time
    breaker.success();
    expect(breaker.state).toBe("closed");
    expect(breaker.allow()).toBe(true);
    // closed again with a fresh count: two failures do not open it
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe("closed");
  });

  it("re-opens for another cooldown when the probe fails", () => {
    const time = clock();
    const breaker = new CircuitBreaker({ now: time.now });
    for (let i = 0; i < 3; i++) breaker.failure();
    time.advance(10_000);
    expect(breaker.allow()).toBe(true);
    breaker.failure(); // one failure is enough in half-open
    expect(breaker.state).toBe("open");
    time.advance(9_000);
    expect(breaker.allow()).toBe(false);
    time.advance(1_000);
    expect(breaker.allow()).toBe(true);
  });

  it("allows a new probe when the last one never reported back", () => {
    const time = clock();
    const breaker = new CircuitBreaker({ now: time.now, cooldownMs: 500 });
    for (let i = 0; i < 3; i++) breaker.failure();
    time.advance(500);
    expect(breaker.allow()).toBe(true);
    time.advance(499);
    expect(breaker.allow()).toBe(false);
    time.advance(1);
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe("half-open");
  });

  it("ignores failures reported while open (stragglers do not extend the cooldown)", () => {
    const time = clock();
    const breaker = new CircuitBreaker({ now: time.now, failureThreshold: 1, cooldownMs: 100 });
    breaker.failure();
    time.advance(90);
    breaker.failure();
    time.advance(10);
    expect(breaker.allow()).toBe(true);
  });

  it("takes its threshold and cooldown from options and rejects nonsense", () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, now: clock().now });
    breaker.failure();
    expect(breaker.state).toBe("open");
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(/failureThreshold/u);
    expect(() => new CircuitBreaker({ cooldownMs: -1 })).toThrow(/cooldownMs/u);
  });
});
