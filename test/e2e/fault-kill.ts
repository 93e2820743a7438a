import type { SweepResult } from "@kubedump/repository/snapshot";
import { expect } from "vitest";
import type { FaultBench, Worker } from "./fault-bench.js";
import { killWhen } from "./fault-bench.js";
import { leftovers, pruneNow, scratchDirs, snapshotIdsInBucket } from "./fault-observe.js";
import { type Obj, openTestRepository, stopService } from "./harness.js";

/** One backup killed at one step: the session to create and how to tell the step is under way. */
export interface KillCase<T> {
  /** The dump worker replica killed, then started again. */
  label: string;
  config: string;
  session: string;
  /** The killed worker reaches the API server through the API proxy. */
  slowApi?: boolean;
  /** Sets the toxics, once the worker runs and before the session is created. */
  before?: () => Promise<void>;
  step: string;
  /**
   * Made once the worker runs: a probe polled every 50 ms until it returns a value. `before` holds
   * the snapshot ids in the bucket before the session.
   */
  probe: (victim: Worker, before: Set<string>) => () => Promise<T | undefined>;
}

export interface KillResult<T> {
  /** What the probe returned at the kill. */
  at: T;
  /** The session as the killed worker left it, and once the restarted one finished it. */
  atKill: Obj;
  session: Obj;
  /** The backup scratch directories the killed worker left, and what remained once it was restarted. */
  scratchAtKill: string[];
  scratchAfter: string[];
  /** Snapshot ids in the bucket (committed or not) before the session, and when the worker was killed. */
  idsBefore: Set<string>;
  idsAtKill: Set<string>;
}

/**
 * Starts replica `label`, creates the session, SIGKILLs the replica once its probe holds, lifts the
 * toxics and starts the replica again, which takes the job over once its lock lapses, and waits
 * until the session is finished.
 */
export async function killAtStep<T>(b: FaultBench, c: KillCase<T>): Promise<KillResult<T>> {
  const victim = b.worker(c.label, { slowApi: c.slowApi });
  const before = await snapshotIdsInBucket(b.t, b.e2e.prefix);
  await c.before?.();
  await b.e2e.createSession(c.session, c.config);
  const at = await killWhen(victim.process, c.step, c.probe(victim, before));
  const idsAtKill = await snapshotIdsInBucket(b.t, b.e2e.prefix);
  const atKill = (await b.e2e.get("backupsessions", c.session)) as Obj;
  const scratchAtKill = scratchDirs(victim.scratchRoot);
  await b.toxiproxy.client.reset();
  const restarted = b.worker(c.label);
  try {
    const session = await b.e2e.waitForSession(c.session, 120_000);
    const scratchAfter = scratchDirs(restarted.scratchRoot);
    return { at, atKill, session, scratchAtKill, scratchAfter, idsBefore: before, idsAtKill };
  } finally {
    await stopService(restarted.process);
  }
}

/**
 * Nothing lost, nothing half-written: the session Succeeded with exactly one committed snapshot,
 * which reads back whole with `objects` objects; the restarted replica left no scratch; after
 * `kubedump prune` nothing is left in the bucket but committed snapshots. Returns the sweep.
 */
export async function expectNothingLost(b: FaultBench, r: KillResult<unknown>, objects: number): Promise<SweepResult> {
  expect(r.atKill.status?.phase, "killed before the session's status was written").toBe("Running");
  expect(r.session.status.phase).toBe("Succeeded");
  const repository = await openTestRepository(b.t, b.e2e.prefix);
  const mine = (await repository.listSnapshots()).filter((m) => m.source.name === r.session.metadata.name);
  expect(mine.map((m) => m.id)).toEqual([r.session.status.snapshot.id]);
  const report = await repository.verify(r.session.status.snapshot.id);
  expect(report).toMatchObject({ ok: true, objects, objectsOk: objects, problems: [] });
  expect(r.scratchAfter, "scratch left by the killed worker, after its restart").toEqual([]);
  const swept = await pruneNow(b.t, b.e2e.prefix);
  expect(await leftovers(b.t, b.e2e.prefix)).toEqual({ strayKeys: [], unfinished: [], uploads: [] });
  return swept;
}
