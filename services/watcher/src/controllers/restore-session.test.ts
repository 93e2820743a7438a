import { QUEUES, type RestoreJob } from "@kubedump/queue";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRestoreSession, crUrl, getObj, waitFor } from "../../../../test/e2e/harness.js";
import { startTestWatcher, type TestWatcher } from "../test-support.js";

const t = inject("testenv");
const NS = "watcher-restore";
let watcher: TestWatcher;

beforeAll(async () => {
  watcher = await startTestWatcher(t, NS);
});

afterAll(() => watcher.stop());

const createRestore = (name: string) => createRestoreSession(t, NS, name, { snapshot: "latest" });

const queue = () => watcher.queues.get<RestoreJob>(QUEUES.restores);
const jobsOf = async (uid: string) =>
  (await queue().getJobs(["waiting", "active", "delayed", "completed", "failed", "prioritized"])).filter(
    (j) => j.data.uid === uid,
  );

describe("the RestoreSession controller", () => {
  it("marks a new session Pending and enqueues exactly one restore, keyed by its uid, never retried", async () => {
    const session = await createRestore("new");
    const job = await waitFor("the restores job", () => queue().getJob(session.metadata.uid));
    expect(job.data).toEqual({ namespace: NS, name: "new", uid: session.metadata.uid });
    expect(job.opts.attempts).toBe(1);
    const pending = await waitFor("Pending", async () => {
      const obj = await getObj(t, crUrl("restoresessions", NS, "new"));
      return obj?.status?.phase === "Pending" ? obj : undefined;
    });
    expect(pending.status).toEqual({ phase: "Pending", observedGeneration: 1 });
    // A change of the spec (a new generation) reconciles it again: still one job.
    await kubeHttp(t, crUrl("restoresessions", NS, "new"), {
      method: "PATCH",
      body: { spec: { dryRun: true } },
      contentType: "application/merge-patch+json",
    });
    const later = await createRestore("later");
    await waitFor("the later session's job", () => queue().getJob(later.metadata.uid));
    expect(await jobsOf(session.metadata.uid)).toHaveLength(1);
    expect(await jobsOf(later.metadata.uid)).toHaveLength(1);
  });
});
