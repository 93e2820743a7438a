import { type BackupSession, ConditionReason, parseDuration } from "@kubedump/api";
import { createKubeClient, type KubeClient } from "@kubedump/kube";
import { applyBrokenApiService, kubeHttp, type TestEnvInfo } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createSession,
  crUrl,
  getObj,
  installCrds,
  type Obj,
  setupRepository,
  waitFor,
  waitForSession,
} from "../../../test/e2e/harness.js";
import { snapshotIdFor } from "./backup-load.js";
import {
  backupMetrics,
  committedSnapshot,
  failureLogs,
  makeRepositoryUnreachable,
  SlowListClient,
  snapshotKeys,
  startGateway,
  startPrivateCluster,
  startWorkerRig,
  type WorkerRig,
} from "./test-support.js";

const t = inject("testenv");
const RUN = Date.now().toString(36).slice(-6);
const BROKEN_GROUP = `broken-${RUN}.example.com`;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let privateCluster: ReturnType<typeof startPrivateCluster> | undefined;

beforeAll(async () => {
  await installCrds(t);
  gateway = await startGateway(t, `dwt-${RUN}`);
});
afterAll(async () => {
  await gateway?.stop();
  await (await privateCluster)?.stop();
});

/** What one row's test has at hand. */
interface Ctx {
  env: TestEnvInfo;
  ns: string;
  /** The bucket prefix of the namespace's Repository `repo`. */
  prefix: string;
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
    name: "PartiallySucceeded: an aggregated API that cannot be listed",
    key: "partial",
    ownCluster: true,
    wholeNamespace: true,
    arrange: ({ env }) => applyBrokenApiService(env, BROKEN_GROUP),
    expected: committed({ phase: "PartiallySucceeded", message: `${BROKEN_GROUP}/v1` }),
  },
  {
    name: "Skipped: another backup of the configuration holds the lock",
    key: "skip",
    slowListsMs: 4000,
    wholeNamespace: true,
    arrange: async ({ env, ns, rig }) => {
      await rig.enqueue(await createSession(env, ns, "holder", "c"));
      await waitFor(
        "the holder to run",
        async () =>
          (await getObj(env, crUrl("backupsessions", ns, "holder")))?.status?.phase === "Running" ? true : undefined,
        60_000,
        100,
      );
    },
    after: async ({ env, ns }) => {
      expect((await waitForSession(env, ns, "holder")).status.phase).toBe("Succeeded");
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
    arrange: ({ env, ns }) => makeRepositoryUnreachable(env, ns),
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
    arrange: ({ env, ns }) =>
      kubeHttp(env, `/api/v1/namespaces/${ns}/secrets/s3-secret`, { method: "DELETE" }).then(() => {}),
    during: async ({ env, ns, prefix, rig }) => {
      await waitFor(
        "the first attempt to fail",
        async () => (failureLogs(rig.logs, "s").length ? true : undefined),
        60_000,
        50,
      );
      await setupRepository(env, ns, { prefix }); // writes the Secret again
    },
    expected: committed({ failures: ["warn"] }),
  },
];

/** A namespace with ConfigMap `cm`, Repository `repo` (own bucket prefix), BackupConfiguration `c`, and a worker. */
async function arrangeRow(row: Row, i: number): Promise<Ctx> {
  if (row.ownCluster && !privateCluster) privateCluster = startPrivateCluster(t);
  const env = row.ownCluster && privateCluster ? (await privateCluster).env : t;
  const ns = `dw-${row.key}-${RUN}`;
  const prefix = `dw-${RUN}-${row.key}`;
  await setupRepository(env, ns, { prefix });
  await kubeHttp(env, `/api/v1/namespaces/${ns}/configmaps`, { body: { metadata: { name: "cm" }, data: { a: "1" } } });
  const ref = row.wholeNamespace
    ? { apiVersion: "v1", kind: "Namespace", name: ns }
    : { apiVersion: "v1", kind: "ConfigMap", name: "cm", namespace: ns };
  const retryConfig = row.retry && { retryConfig: row.retry };
  await createConfig(env, ns, "c", { schedule: "0 0 1 1 *", target: { ref }, ...row.spec, ...retryConfig });
  const client: KubeClient | undefined = row.slowListsMs
    ? new SlowListClient(env.kubeconfig, row.slowListsMs)
    : row.ownCluster
      ? createKubeClient({ kubeconfig: env.kubeconfig })
      : undefined;
  const rig = await startWorkerRig(env, { queuePrefix: `dwt-${RUN}-${i}`, gatewayUrl: gateway.url, client });
  return { env, ns, prefix, rig };
}

describe("a backup job, through the real queue and worker, ends", () => {
  it.each(rows.map((row, i) => [row.name, row, i] as const))("%s", async (_name, row, i) => {
    const ctx = await arrangeRow(row, i);
    const { env, ns, prefix, rig } = ctx;
    try {
      await row.arrange?.(ctx);
      const session = await createSession(env, ns, "s", "c");
      const retry = row.retry ?? { maxRetry: 0, delay: "1s" };
      await rig.enqueue(session, { maxRetry: retry.maxRetry, delayMs: parseDuration(retry.delay) });
      await row.during?.(ctx);
      const done = await waitForSession(env, ns, "s");
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

      const repo = await getObj(env, crUrl("repositories", ns, "repo"));
      expect(repo?.status?.snapshotCount).toBe(e.repositorySnapshots);
      if (e.repositorySnapshots) expect(repo?.status?.totalSizeBytes).toBeGreaterThan(0);

      const metrics = await waitFor(
        "the session's metrics on the gateway",
        async () => {
          const m = await backupMetrics(gateway.url, ns, "c");
          return m.kubedump_backup_session_success === e.success ? m : undefined;
        },
        20_000,
        200,
      );
      expect(metrics.kubedump_backup_last_success_time_seconds !== undefined).toBe(e.lastSuccess);

      expect(failureLogs(rig.logs, "s")).toEqual(e.failures);
      const events = (await kubeHttp(env, `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3Ds`)).body
        .items as Obj[];
      expect(events.map((ev) => ev.reason)).toEqual([e.reason]);
    } finally {
      await rig.close();
    }
  });
});
