import type { RestoreProgress } from "@kubedump/restore";
import { createLogger } from "@kubedump/service";
import { describe, expect, it } from "vitest";
import { createProgressWriter } from "./restore-progress.js";

const START = Date.parse("2026-11-26T02:00:00Z");

const at = (objectsDone: number, change: Partial<RestoreProgress> = {}): RestoreProgress => ({
  phase: "restoring",
  pass: 1,
  step: "configmaps",
  stepsDone: 0,
  steps: 3,
  stepObjectsDone: objectsDone,
  stepObjects: 100,
  objectsDone,
  objects: 100,
  ...change,
});

/** A writer on an in-memory status, a clock the test moves, and writes that end when the test says. */
function rig(opts: { failing?: boolean } = {}) {
  let now = START;
  const written: Record<string, unknown>[] = [];
  const ends: (() => void)[] = [];
  const writer = createProgressWriter({
    write: (p) =>
      new Promise<void>((done, fail) => {
        written.push(p);
        ends.push(() => (opts.failing ? fail(new Error("forbidden")) : done()));
      }),
    now: () => new Date(now),
    log: createLogger("progress-test", "silent"),
    intervalMs: 5_000,
  });
  return {
    writer,
    written,
    tick: (ms: number) => {
      now += ms;
    },
    /** Ends the write in flight, and lets what follows it run. */
    finishWrite: async () => {
      ends.shift()?.();
      await new Promise((r) => setImmediate(r));
    },
  };
}

const done = (w: Record<string, unknown>[]) => w.map((p) => [p.objectsDone, p.step]);

describe("createProgressWriter", () => {
  it("writes the first figures at once, then at most every interval, the newest figures each time", async () => {
    const r = rig();
    r.writer.update(at(0));
    await r.finishWrite();
    for (let i = 1; i <= 40; i++) {
      r.tick(250); // 40 updates over 10 s
      r.writer.update(at(i));
      await r.finishWrite();
    }
    expect(done(r.written)).toEqual([
      [0, "configmaps"],
      [20, "configmaps"],
      [40, "configmaps"],
    ]);
    expect(r.written[1]).toEqual({
      objects: 100,
      objectsDone: 20,
      pass: 1,
      step: "configmaps",
      lastUpdateTime: "2026-11-26T02:00:05Z",
    });
  });

  it("writes every change of stage at once: verifying, restoring, waiting for CRDs, another pass", async () => {
    const r = rig();
    const stages = [
      at(0, { phase: "verifying", step: "", pass: 0, objects: 0 }),
      at(0, { step: "customresourcedefinitions.apiextensions.k8s.io" }),
      at(1, { phase: "establishing", step: "customresourcedefinitions.apiextensions.k8s.io" }),
      at(1, { step: "namespaces" }),
      at(90, { pass: 2, step: "widgets.example.com" }),
    ];
    for (const p of stages) {
      r.tick(10);
      r.writer.update(p);
      await r.finishWrite();
    }
    expect(done(r.written)).toEqual([
      [undefined, "verifying the snapshot"],
      [0, "customresourcedefinitions.apiextensions.k8s.io"],
      [1, "customresourcedefinitions.apiextensions.k8s.io: waiting for CustomResourceDefinitions to be Established"],
      [1, "namespaces"],
      [90, "widgets.example.com"],
    ]);
    expect(r.written.map((p) => p.pass)).toEqual([undefined, 1, 1, 1, 2]);
    expect(r.written[0]).toEqual({ step: "verifying the snapshot", lastUpdateTime: "2026-11-26T02:00:00Z" });
  });

  it("never writes twice at once: what comes during a write is written after it, once, with the newest figures", async () => {
    const r = rig();
    r.writer.update(at(0, { phase: "verifying", step: "" }));
    r.writer.update(at(0)); // a change of stage, while the first write is in flight
    r.tick(6_000);
    r.writer.update(at(30));
    expect(done(r.written)).toEqual([[undefined, "verifying the snapshot"]]);
    await r.finishWrite();
    expect(done(r.written)).toEqual([
      [undefined, "verifying the snapshot"],
      [30, "configmaps"],
    ]);
  });

  it("on close, waits for the write in flight, writes nothing after, and gives the final figures without a step", async () => {
    const r = rig();
    r.writer.update(at(0));
    r.writer.update(at(100, { phase: "establishing" })); // due after the write in flight
    let closed: Record<string, unknown> | undefined;
    const closing = r.writer.close().then((c) => {
      closed = c;
    });
    await new Promise((res) => setImmediate(res));
    expect(closed).toBeUndefined();
    await r.finishWrite();
    await closing;
    r.writer.update(at(100, { pass: 2 }));
    expect(done(r.written)).toEqual([[0, "configmaps"]]);
    expect(closed).toEqual({
      objects: 100,
      objectsDone: 100,
      pass: 1,
      step: null,
      lastUpdateTime: "2026-11-26T02:00:00Z",
    });
  });

  it("goes on when a write fails (a status it may not patch), and closes with the final figures", async () => {
    const r = rig({ failing: true });
    r.writer.update(at(0, { phase: "verifying", step: "" }));
    await r.finishWrite();
    r.writer.update(at(0));
    await r.finishWrite();
    expect(r.written).toHaveLength(2);
    expect(await r.writer.close()).toMatchObject({ objectsDone: 0, step: null });
  });

  it("has nothing to say when the engine never reported progress", async () => {
    expect(await rig().writer.close()).toBeUndefined();
  });
});
