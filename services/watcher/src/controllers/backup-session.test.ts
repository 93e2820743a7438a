import { type BackupJob, QUEUES } from "@kubedump/queue";
import { describe, expect, inject, it } from "vitest";
import { type Obj, waitFor } from "../../../../test/e2e/harness.js";
import { testNamespace } from "../../../../test/e2e/test-namespace.js";
import { watchDuringTests } from "../test-support.js";

// The configuration of a session is read from the watcher's cache, or from the API server while
// the cache has not seen it yet: these sessions are created right after their configurations.

const space = testNamespace(inject("testenv"), "watcher-session");
const NS = space.ns;
const queues = watchDuringTests(space);

/** Sets a session's phase through the status subresource, as the dump worker does. */
const setPhase = (name: string, phase: string) => space.patch("backupsessions", name, { status: { phase } }, "status");

const backupJob = (session: Obj) =>
  waitFor(`the backups job of ${session.metadata.name}`, () =>
    queues.get<BackupJob>(QUEUES.backups).getJob(session.metadata.uid),
  );

describe("the BackupSession controller", () => {
  it.each([
    { row: "omitted: one attempt, no retries", name: "no-retry", retryConfig: undefined, attempts: 1, delay: 60_000 },
    {
      row: "maxRetry 3, delay 2s",
      name: "retries",
      retryConfig: { maxRetry: 3, delay: "2s" },
      attempts: 4,
      delay: 2_000,
    },
  ])("marks a new session Pending and enqueues one backup with retryConfig $row", async (row) => {
    await space.createConfig(row.name, { schedule: "@daily", paused: true, retryConfig: row.retryConfig });
    const session = await space.createSession(`${row.name}-1`, row.name);
    const job = await backupJob(session);
    expect(job.data).toEqual({ namespace: NS, name: `${row.name}-1`, uid: session.metadata.uid });
    expect(job.opts).toMatchObject({ attempts: row.attempts, backoff: { type: "exponential", delay: row.delay } });
    const pending = await space.get("backupsessions", `${row.name}-1`);
    expect(pending?.status).toEqual({ phase: "Pending", observedGeneration: 1 });
  });

  it.each([
    { row: "triggered sessions of a running schedule", config: "triggered", paused: false },
    { row: "a paused configuration", config: "held", paused: true },
  ])("deletes the oldest finished sessions beyond backupHistoryLimit, for $row", async ({ config, paused }) => {
    await space.createConfig(config, { schedule: "@yearly", paused, backupHistoryLimit: 2 });
    // Made by hand (as `kubectl create` or `kubedump trigger` would), one after the other.
    const phases = ["Succeeded", "Failed", "Running", "PartiallySucceeded", "Skipped", "Running"];
    for (const [i, phase] of phases.entries()) {
      await space.createSession(`${config}-${i + 1}`, config);
      await setPhase(`${config}-${i + 1}`, phase);
    }
    const names = async () => (await space.sessionsOf(config)).map((s) => s.metadata.name);
    // Four finished, limit 2: the two oldest finished go; the Running ones stay, whatever their age.
    const expected = [`${config}-3`, `${config}-4`, `${config}-5`, `${config}-6`];
    await waitFor("the history limit", async () =>
      JSON.stringify(await names()) === JSON.stringify(expected) ? true : undefined,
    );
    // Sessions finishing trim again: -3 and -6 finish, and -3 is the oldest of four finished.
    await setPhase(`${config}-3`, "Failed");
    await setPhase(`${config}-6`, "Succeeded");
    await waitFor("the history limit after a session finished", async () =>
      JSON.stringify(await names()) === JSON.stringify([`${config}-5`, `${config}-6`]) ? true : undefined,
    );
    expect(await names()).toEqual([`${config}-5`, `${config}-6`]);
  });
});
