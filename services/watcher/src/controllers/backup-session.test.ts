import { type BackupJob, QUEUES } from "@kubedump/queue";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createSession,
  crUrl,
  getObj,
  type Obj,
  sessionsOf,
  setupRepository,
  waitFor,
} from "../../../../test/e2e/harness.js";
import { startTestWatcher, type TestWatcher } from "../test-support.js";

// The configuration of a session is read from the watcher's cache, or from the API server while
// the cache has not seen it yet: these sessions are created right after their configurations.

const t = inject("testenv");
const NS = "watcher-session";
let watcher: TestWatcher;

beforeAll(async () => {
  watcher = await startTestWatcher(t, NS);
  await setupRepository(t, NS, { prefix: "watcher-session" });
});

afterAll(() => watcher.stop());

/** Sets a session's phase through the status subresource, as the dump worker does. */
async function setPhase(name: string, phase: string): Promise<void> {
  const res = await kubeHttp(t, `${crUrl("backupsessions", NS, name)}/status`, {
    method: "PATCH",
    body: { status: { phase } },
    contentType: "application/merge-patch+json",
  });
  if (res.status !== 200) throw new Error(`setting ${NS}/${name} to ${phase}: ${res.status} ${res.text}`);
}

const backupJob = (session: Obj) =>
  waitFor(`the backups job of ${session.metadata.name}`, () =>
    watcher.queues.get<BackupJob>(QUEUES.backups).getJob(session.metadata.uid),
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
    await createConfig(t, NS, row.name, { schedule: "@daily", paused: true, retryConfig: row.retryConfig });
    const session = await createSession(t, NS, `${row.name}-1`, row.name);
    const job = await backupJob(session);
    expect(job.data).toEqual({ namespace: NS, name: `${row.name}-1`, uid: session.metadata.uid });
    expect(job.opts).toMatchObject({ attempts: row.attempts, backoff: { type: "exponential", delay: row.delay } });
    const pending = await getObj(t, crUrl("backupsessions", NS, `${row.name}-1`));
    expect(pending?.status).toEqual({ phase: "Pending", observedGeneration: 1 });
  });

  it.each([
    { row: "triggered sessions of a running schedule", config: "triggered", paused: false },
    { row: "a paused configuration", config: "held", paused: true },
  ])("deletes the oldest finished sessions beyond backupHistoryLimit, for $row", async ({ config, paused }) => {
    await createConfig(t, NS, config, { schedule: "@yearly", paused, backupHistoryLimit: 2 });
    // Made by hand (as `kubectl create` or `kubedump trigger` would), one after the other.
    const phases = ["Succeeded", "Failed", "Running", "PartiallySucceeded", "Skipped", "Running"];
    for (const [i, phase] of phases.entries()) {
      await createSession(t, NS, `${config}-${i + 1}`, config);
      await setPhase(`${config}-${i + 1}`, phase);
    }
    const names = async () => (await sessionsOf(t, NS, config)).map((s) => s.metadata.name);
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
