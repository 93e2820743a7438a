import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { configOfSet, type FaultBench, makeConfigMaps, startFaultBench } from "./fault-bench.js";
import { expectNothingLost, killAtStep } from "./fault-kill.js";
import { snapshotFiles } from "./fault-observe.js";
import { openTestRepository, stopService } from "./harness.js";

// Issue 17, fault 1 (second half): a dump worker SIGKILLed after snapshot.json is written but
// before the session's status, and in the middle of retention. Toxiproxy holds each answer of
// MinIO back by a second, so each step lasts seconds; the step is told from the worker's own log
// line and from the bucket as MinIO lists it. The same replica, restarted, finishes the session.

let b: FaultBench;
const LATENCY = { type: "latency", attributes: { latency: 1000 } } as const;

beforeAll(async () => {
  b = await startFaultBench(inject("testenv"), "e2e-fkc");
  await makeConfigMaps(b.e2e, "small", 3, 1000, "s");
  await configOfSet(b.e2e, "small", "small");
  const keepOne = { retentionPolicy: { name: "keep-one", keepLast: 1, prune: true } };
  await configOfSet(b.e2e, "keep", "small", { spec: keepOne });
});
afterAll(async () => {
  await b?.stop();
});

/** The snapshot id of the worker's "snapshot committed" log line, once there is one. */
function committedInLog(logFile: string): string | undefined {
  const line = readFileSync(logFile, "utf8")
    .split("\n")
    .find((l) => l.includes('"msg":"snapshot committed"'));
  return line ? (JSON.parse(line).snapshot as string) : undefined;
}

describe("a dump worker SIGKILLed after its commit; the restarted replica finishes the session", () => {
  it("after snapshot.json, before the status: the committed snapshot is the session's, not a second one", {
    timeout: 300_000,
  }, async () => {
    const r = await killAtStep(b, {
      label: "w-commit",
      config: "small",
      session: "small-1",
      before: () => b.toxiproxy.client.addToxic(b.proxies.minio, LATENCY).then(() => {}),
      step: "the worker logged its commit",
      probe: (victim) => async () => committedInLog(victim.process.logFile),
    });
    expect(await snapshotFiles(b.t, b.e2e.prefix, r.at)).toContain("snapshot.json");
    expect(r.session.status.snapshot.id).toBe(r.at);
    await expectNothingLost(b, r, 3);
  });

  it("during retention: the dropped snapshot is unlisted at once, its data swept; the new one kept", {
    timeout: 300_000,
  }, async () => {
    const first = b.worker("w-keeper");
    await b.e2e.createSession("keep-1", "keep");
    const old = (await b.e2e.waitForSession("keep-1")).status.snapshot.id as string;
    await stopService(first.process);
    const r = await killAtStep(b, {
      label: "w-retention",
      config: "keep",
      session: "keep-2",
      before: () => b.toxiproxy.client.addToxic(b.proxies.minio, LATENCY).then(() => {}),
      step: "the old snapshot's snapshot.json deleted, its data not yet",
      probe: () => async () => {
        const files = await snapshotFiles(b.t, b.e2e.prefix, old);
        return files.length && !files.includes("snapshot.json") ? files : undefined;
      },
    });
    expect(r.at.length, "the old snapshot's data when the worker was killed").toBeGreaterThan(0);
    const swept = await expectNothingLost(b, r, 3);
    expect(swept.removed.map((u) => u.id)).toEqual([old]);
    const listed = (await (await openTestRepository(b.t, b.e2e.prefix)).listSnapshots()).map((m) => m.source.name);
    expect(listed.filter((n) => n?.startsWith("keep-"))).toEqual(["keep-2"]);
  });
});
