import { describe, expect, it } from "vitest";
import { manualClock } from "./test-support.js";
import { WorkQueue } from "./work-queue.js";

/** Takes every key waiting now, without blocking. */
async function drain(q: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.length) {
    const key = await q.get();
    if (key === undefined) break;
    keys.push(key);
  }
  return keys;
}

describe("WorkQueue", () => {
  it("holds a key added three times while it waits once, in the order keys came", async () => {
    const q = new WorkQueue({ clock: manualClock() });
    for (const key of ["ns/a", "ns/b", "ns/a", "ns/a", "ns/c", "ns/b"]) q.add(key);
    expect(await drain(q)).toEqual(["ns/a", "ns/b", "ns/c"]);
  });

  it("never hands out a key being processed; one added meanwhile comes back once after done()", async () => {
    const q = new WorkQueue({ clock: manualClock() });
    q.add("ns/a");
    const first = await q.get();
    q.add("ns/a");
    q.add("ns/a");
    q.add("ns/b");
    expect(await drain(q)).toEqual(["ns/b"]);
    q.done("ns/b");
    q.done(first!);
    expect(await drain(q)).toEqual(["ns/a"]);
    q.done("ns/a");
    expect(q.length).toBe(0);
  });

  it("wakes a waiting get() when a key arrives, and answers undefined once shut down", async () => {
    const q = new WorkQueue({ clock: manualClock() });
    const waiting = q.get();
    q.add("ns/a");
    expect(await waiting).toBe("ns/a");
    const idle = q.get();
    q.shutDown();
    q.shutDown();
    expect(await idle).toBeUndefined();
    q.add("ns/b");
    expect(await q.get()).toBeUndefined();
  });

  it("backs a failing key off 1 s, 2 s, 4 s … up to 5 min, and starts again at 1 s after forget()", async () => {
    const clock = manualClock();
    const q = new WorkQueue({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 11; i++) delays.push(q.addRateLimited("ns/a"));
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map((s) => s * 1000));
    expect(q.retries("ns/a")).toBe(11);
    q.forget("ns/a");
    expect(q.addRateLimited("ns/a")).toBe(1000);
    expect(q.addRateLimited("ns/b")).toBe(1000);
  });

  it("hands a delayed key out only when its delay is over", async () => {
    const clock = manualClock();
    const q = new WorkQueue({ clock, retryBaseMs: 100, retryMaxMs: 1000 });
    q.addRateLimited("ns/a"); // 100 ms
    q.addRateLimited("ns/a"); // 200 ms: the earlier stands
    q.addAfter("ns/b", 500);
    q.addAfter("ns/b", 300); // earlier: replaces it
    await clock.advance(99);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(await drain(q)).toEqual(["ns/a"]);
    await clock.advance(200);
    expect(await drain(q)).toEqual(["ns/b"]);
    await clock.advance(1000);
    expect(q.length).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it("drops a delayed add when the key is added directly, so an event is not reconciled twice", async () => {
    const clock = manualClock();
    const q = new WorkQueue({ clock });
    q.addRateLimited("ns/a");
    q.add("ns/a");
    expect(clock.pending()).toBe(0);
    expect(await drain(q)).toEqual(["ns/a"]);
    q.done("ns/a");
    await clock.advance(60_000);
    expect(q.length).toBe(0);
  });

  it("shutDown() cancels the delayed keys", async () => {
    const clock = manualClock();
    const q = new WorkQueue({ clock });
    q.addAfter("ns/a", 10);
    q.addRateLimited("ns/b");
    q.shutDown();
    expect(clock.pending()).toBe(0);
    await clock.advance(10_000);
    expect(q.length).toBe(0);
  });
});
