import { type BackupSession, ConditionReason, parseDuration } from "@kubedump/api";
import { createKubeClient, type KubeClient } from "@kubedump/kube";
import { applyBrokenApiService, kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Obj, openTestRepository, waitFor } from "../../../test/e2e/harness.js";
import { type TestNamespace, testNamespace } from "../../../test/e2e/test-namespace.js";
import { snapshotIdFor } from "./backup-load.js";
import {
  arrangeBackup,
  committedSnapshot,
  createFormat2Repository,
  failureLogs,
  makeRepositoryUnreachable,
  SlowListClient,
  snapshotKeys,
  startGateway,
  startPrivateCluster,
  startWorkerRig,
  waitForBackupMetrics,
  type WorkerRig,
} from "./test-support.js";

const t = inject("testenv");
const RUN = Date.now().toString(36).slice(-6);
const BROKEN_GROUP = `broken-${RUN}.example.com`;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let privateCluster: ReturnType<typeof startPrivateCluster> | undefined;

beforeAll(async () => {
  gateway = await startGateway(t, `dwt-${RUN}`);
});
afterAll(async () => {
  await gateway?.stop();
  await (await privateCluster)?.stop();
});

/** What one row's test has at hand: its namespace (see arrangeBackup) and its worker. */
interface Ctx {
  space: TestNamespace;
  rig: WorkerRig;
}

interface Row {
  name: string;
  key: string;
  /** The BackupConfiguration `c`'s spec besides repository, schedule and target. */
  spec?: Obj;
  /** `c` backs up the whole namespace; default: ConfigMap `cm` alone. */
  wholeNamespace?: boolean;
  retry?: { maxRetry: number; delay: string };
  /** LISTs of ConfigMaps answered this much late (SlowListClient). */
  slowListsMs?: number;
  /** Runs on a kube-apiserver of its own (see startPrivateCluster). */
  ownCluster?: boolean;
  /** Before the session `s` is enqueued, and while it runs. */
  arrange?(ctx: Ctx): Promise<void>;
  during?(ctx: Ctx): Promise<void>;
  /** After `s` finished, before the assertions. */
  after?(ctx: Ctx): Promise<void>;
  expected: Expected;
}

interface Expected {
  phase: string;
  reason: string;
  /** A text the condition's message holds. */
  message?: string;
  /** `s`'s own snapshot is committed in the bucket. */
  snapshot: boolean;
  /** Repository `repo`'s status.snapshotCount; undefined: its status is untouched. */
  repositorySnapshots?: number;
  /** kubedump_backup_session_success on the gateway, and whether last_success_time is there. */
  success: 0 | 1;
  lastSuccess: boolean;
  /** The failure log lines of `s`, in order (one per failed attempt, from the processor alone). */
  failures: string[];
}

/** A committed snapshot: the Repository counted, success=1 with last_success_time, no failure logged. */
const committed = (more: Partial<Expected> = {}): Expected => ({
  phase: "Succeeded",
  reason: ConditionReason.SnapshotCommitted,
  snapshot: true,
  repositorySnapshots: 1,
  success: 1,
  lastSuccess: true,
  failures: [],
  ...more,
});

/** No snapshot, the Repository untouched, success=0 alone, the failure logged once per attempt. */
const failed = (reason: string, failures: string[], message?: string): Expected => ({
  phase: "Failed",
  reason,
  message,
  snapshot: false,
  success: 0,
  lastSuccess: false,
  failures,
});

const rows: Row[] = [
  {
    name: "Succeeded",
    key: "ok",
    expected: committed(),
  },
  {
    name: "Succeeded into a format-2 repository, written as format 2",
    key: "f2",
    arrange: ({ space }) => createFormat2Repository(space.t, space.prefix),
    after: async ({ space }) => {
      const snapshots = await (await openTestRepository(space.t, space.prefix)).listSnapshots();
      expect(snapshots.map((m) => m.formatVersion)).toEqual([2]);
    },
    expected: committed(),
  },
  {
    name: "PartiallySucceeded: an aggregated API that cannot be listed",
    key: "partial",
    ownCluster: true,
    wholeNamespace: true,
    arrange: ({ space }) => applyBrokenApiService(space.t, BROKEN_GROUP),
    expected: committed({ phase: "PartiallySucceeded", message: `${BROKEN_GROUP}/v1` }),
  },
  {
    name: "Skipped: another backup of the configuration holds the lock",
    key: "skip",
    slowListsMs: 4000,
    wholeNamespace: true,
    arrange: async ({ space, rig }) => {
      await rig.enqueue(await space.createSession("holder", "c"));
      await space.waitForPhase("backupsessions", "holder", "Running");
    },
    after: async ({ space }) => {
      expect((await space.waitForSession("holder")).status.phase).toBe("Succeeded");
    },
    expected: {
      ...committed({ reason: ConditionReason.AnotherBackupRunning, message: "another backup of BackupConfiguration" }),
      phase: "Skipped",
      snapshot: false, // the Repository's snapshot and the success=1 are the holder's: a Skipped session pushes nothing
    },
  },
  {
    name: "Failed: an invalid spec (a missing Repository), terminal despite retries",
    key: "invalid",
    spec: { repository: { name: "missing" } },
    retry: { maxRetry: 2, delay: "1s" },
    expected: failed(ConditionReason.InvalidSpec, ["error"], "spec.repository.name of BackupConfiguration"),
  },
  {
    name: "Failed: a repository that stays unreachable after the configured retries",
    key: "unreach",
    retry: { maxRetry: 1, delay: "1s" },
    arrange: ({ space }) => makeRepositoryUnreachable(space.t, space.ns),
    expected: failed(ConditionReason.BackupFailed, ["warn", "error"]),
  },
  {
    name: "Failed with TimedOut: the backup outlives spec.timeOut, terminal despite retries",
    key: "timeout",
    slowListsMs: 3000,
    wholeNamespace: true,
    spec: { timeOut: "1s" },
    retry: { maxRetry: 1, delay: "1s" },
    expected: failed(ConditionReason.TimedOut, ["error"], "spec.timeOut 1s"),
  },
  {
    name: "retried then Succeeded: the Repository's Secret appears after the first attempt",
    key: "retry",
    retry: { maxRetry: 2, delay: "2s" },
    arrange: ({ space }) =>
      kubeHttp(space.t, `/api/v1/namespaces/${space.ns}/secrets/s3-secret`, { method: "DELETE" }).then(() => {}),
    during: async ({ space, rig }) => {
      await waitFor(
        "the first attempt to fail",
        async () => (failureLogs(rig.logs, "s").length ? true : undefined),
        60_000,
        50,
      );
      await space.setup(); // writes the Secret again
    },
    expected: committed({ failures: ["warn"] }),
  },
];

/** The row's namespace (see arrangeBackup), on the shared or its own API server, and a worker. */
async function arrangeRow(row: Row, i: number): Promise<Ctx> {
  if (row.ownCluster && !privateCluster) privateCluster = startPrivateCluster(t);
  const env = row.ownCluster && privateCluster ? (await privateCluster).env : t;
  const space = testNamespace(env, `dw-${row.key}-${RUN}`, `dw-${RUN}-${row.key}`);
  const retryConfig = row.retry && { retryConfig: row.retry };
  await arrangeBackup(space, { wholeNamespace: row.wholeNamespace, spec: { ...row.spec, ...retryConfig } });
  const client: KubeClient | undefined = row.slowListsMs
    ? new SlowListClient(env.kubeconfig, row.slowListsMs)
    : row.ownCluster
      ? createKubeClient({ kubeconfig: env.kubeconfig })
      : undefined;
  const rig = await startWorkerRig(env, { queuePrefix: `dwt-${RUN}-${i}`, gatewayUrl: gateway.url, client });
  return { space, rig };
}

describe("a backup job, through the real queue and worker, ends", () => {
  it.each(rows.map((row, i) => [row.name, row, i] as const))("%s", async (_name, row, i) => {
    const ctx = await arrangeRow(row, i);
    const { space, rig } = ctx;
    const { t: env, ns, prefix } = space;
    try {
      await row.arrange?.(ctx);
      const session = await space.createSession("s", "c");
      const retry = row.retry ?? { maxRetry: 0, delay: "1s" };
      await rig.enqueue(session, { maxRetry: retry.maxRetry, delayMs: parseDuration(retry.delay) });
      await row.during?.(ctx);
      const done = await space.waitForSession("s");
      await row.after?.(ctx);
      const e = row.expected;

      expect(done.status.phase).toBe(e.phase);
      const condition = done.status.conditions.find((c: Obj) => c.type === "SnapshotCommitted");
      expect(condition).toMatchObject({ reason: e.reason, status: e.snapshot ? "True" : "False" });
      if (e.message) expect(condition.message).toContain(e.message);

      const id = snapshotIdFor(session as BackupSession);
      if (e.snapshot) {
        expect(done.status.snapshot.id).toBe(id);
        const manifest = await committedSnapshot(env, prefix, id);
        expect(manifest.source).toMatchObject({ kind: "BackupSession", namespace: ns, name: "s" });
        expect(manifest.warnings).toEqual(done.status.warnings ?? []);
        expect(done.status.snapshot.objects).toBe(manifest.objects);
        if (!row.wholeNamespace) expect(manifest.objects).toBe(1);
      } else {
        expect(done.status.snapshot).toBeUndefined();
        expect((await snapshotKeys(env, prefix)).filter((k) => k.includes(id))).toEqual([]);
      }

      const repo = await space.get("repositories", "repo");
      expect(repo?.status?.snapshotCount).toBe(e.repositorySnapshots);
      if (e.repositorySnapshots) expect(repo?.status?.totalSizeBytes).toBeGreaterThan(0);

      const metrics = await waitForBackupMetrics(gateway.url, ns, "c", e.success);
      expect(metrics.kubedump_backup_last_success_time_seconds !== undefined).toBe(e.lastSuccess);

      expect(failureLogs(rig.logs, "s")).toEqual(e.failures);
      expect((await space.eventsOf("s")).map((ev) => ev.reason)).toEqual([e.reason]);
    } finally {
      await rig.close();
    }
  });
});
