import { describe, expect, it } from "vitest";
import { type Clock, RateLimiter } from "./rate-limiter.js";

/** A clock that only moves when someone sleeps on it. */
function fakeClock(): Clock & { t: number; sleeps: number[] } {
  const clock = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

async function takeTimes(limiter: RateLimiter, clock: ReturnType<typeof fakeClock>, n: number): Promise<number[]> {
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    await limiter.take();
    at.push(clock.t);
  }
  return at;
}

describe("RateLimiter", () => {
  it("lets a request that takes no token through at once, leaving the bucket as it was", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, 2, clock);
    const start = clock.t;
    await takeTimes(limiter, clock, 2);
    for (let i = 0; i < 50; i++) await limiter.take(0);
    expect(clock.t).toBe(start);
    await limiter.take();
    expect(clock.t - start).toBe(100);
  });

  it("lets a burst through at once, then paces at qps", async () => {
    const clock = fakeClock();
    const start = clock.t;
    const at = await takeTimes(new RateLimiter(10, 3, clock), clock, 6);
    expect(at.map((t) => t - start)).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it("saves up at most `burst` tokens while idle", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, 3, clock);
    await takeTimes(limiter, clock, 3);
    clock.t += 60_000;
    const start = clock.t;
    const at = await takeTimes(limiter, clock, 5);
    expect(at.map((t) => t - start)).toEqual([0, 0, 0, 100, 200]);
  });

  it("serves concurrent callers in order, one token each", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(2, 1, clock);
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => limiter.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2]);
    expect(clock.sleeps).toEqual([500, 500]);
  });

  it("never waits when qps <= 0", async () => {
    const clock = fakeClock();
    await takeTimes(new RateLimiter(0, 0, clock), clock, 50);
    expect(clock.sleeps).toEqual([]);
  });
});
