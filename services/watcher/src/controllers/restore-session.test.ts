import { QUEUES, type RestoreJob } from "@kubedump/queue";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRestoreSession, crUrl, getObj, type Obj, waitFor } from "../../../../test/e2e/harness.js";
import { startTestWatcher, type TestWatcher } from "../test-support.js";

const t = inject("testenv");
const NS = "watcher-restore";
/** Watched with RESTORE_HISTORY_LIMIT 0: every finished session is kept. */
const NS_KEEP = "watcher-restore-keep";
const LIMIT = 2;
let watcher: TestWatcher;
let keeper: TestWatcher;

beforeAll(async () => {
  [watcher, keeper] = await Promise.all([
    startTestWatcher(t, NS, { restoreHistoryLimit: LIMIT }),
    startTestWatcher(t, NS_KEEP, { restoreHistoryLimit: 0 }),
  ]);
});

afterAll(() => Promise.all([watcher.stop(), keeper.stop()]));

const createRestore = (name: string) => createRestoreSession(t, NS, name, { snapshot: "latest" });

const queue = () => watcher.queues.get<RestoreJob>(QUEUES.restores);
const jobsOf = async (uid: string) =>
  (await queue().getJobs(["waiting", "active", "delayed", "completed", "failed", "prioritized"])).filter(
    (j) => j.data.uid === uid,
  );

/** Creates RestoreSessions of Repository `repo` one after the other, each then given its phase as the dump worker would. */
async function sessionsWithPhases(ns: string, repo: string, phases: string[]): Promise<void> {
  for (const [i, phase] of phases.entries()) {
    const name = `${repo}-${i + 1}`;
    await createRestoreSession(t, ns, name, { repository: { name: repo } });
    const res = await kubeHttp(t, `${crUrl("restoresessions", ns, name)}/status`, {
      method: "PATCH",
      body: { status: { phase } },
      contentType: "application/merge-patch+json",
    });
    expect(res.status, res.text).toBe(200);
  }
}

const namesOf = async (ns: string, repo: string) =>
  ((await kubeHttp(t, crUrl("restoresessions", ns))).body.items as Obj[])
    .filter((s) => s.spec.repository.name === repo)
    .map((s) => s.metadata.name)
    .sort();

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

  it(`keeps the newest ${LIMIT} finished sessions of each Repository, deleting older ones, never a running one`, async () => {
    await sessionsWithPhases(NS, "shop", ["Succeeded", "Failed", "Running", "PartiallySucceeded", "Succeeded"]);
    await sessionsWithPhases(NS, "blog", ["Succeeded", "Succeeded"]);
    // shop: four finished, the two oldest go; the Running one stays, whatever its age. blog: within the limit.
    const settled = async () =>
      JSON.stringify([await namesOf(NS, "shop"), await namesOf(NS, "blog")]) ===
      JSON.stringify([
        ["shop-3", "shop-4", "shop-5"],
        ["blog-1", "blog-2"],
      ])
        ? true
        : undefined;
    await waitFor("the restore history limit", settled);
    // The running one finishes: now it is the oldest of three finished, and goes.
    await kubeHttp(t, `${crUrl("restoresessions", NS, "shop-3")}/status`, {
      method: "PATCH",
      body: { status: { phase: "Failed" } },
      contentType: "application/merge-patch+json",
    });
    await waitFor("the limit after shop-3 finished", async () =>
      JSON.stringify(await namesOf(NS, "shop")) === JSON.stringify(["shop-4", "shop-5"]) ? true : undefined,
    );
    expect(await namesOf(NS, "blog")).toEqual(["blog-1", "blog-2"]);
  });

  it("keeps every finished session with RESTORE_HISTORY_LIMIT 0", async () => {
    await sessionsWithPhases(NS_KEEP, "shop", ["Succeeded", "Failed", "PartiallySucceeded", "Succeeded"]);
    // Nothing shows that a session was kept: give the watcher the time it takes to trim (well under 1 s above).
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await namesOf(NS_KEEP, "shop")).toEqual(["shop-1", "shop-2", "shop-3", "shop-4"]);
  });
});
