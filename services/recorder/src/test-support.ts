// Helpers shared by the recorder's tests; excluded from the build (tsconfig.build.json).
import { readFileSync } from "node:fs";
import { storedYaml } from "@kubedump/dump";
import { createKubeClient, type KubeObject } from "@kubedump/kube";
import { blobId } from "@kubedump/repository/format2";
import { JournalReader, type JournalScope } from "@kubedump/repository/journal";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { createLogger } from "@kubedump/service";
import { kubeHttp, s3StoreOptions, type TestEnvInfo } from "@kubedump/testenv";
import { E2E_BUCKET, type Obj, type ServiceProcess, waitFor } from "../../../test/e2e/harness.js";
import type { TestNamespace } from "../../../test/e2e/test-namespace.js";
import { createRecorderApp, type RecorderApp } from "./app.js";
import { loadConfig } from "./config.js";

/** The settings tests run the recorder with: quick flushes and discovery, one namespace. */
export function recorderEnv(t: TestEnvInfo, ns: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KUBECONFIG: t.kubeconfig,
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: "0",
    WATCH_NAMESPACE: ns,
    LEASE_NAMESPACE: "default", // not the recorded namespace: the Lease changes at every renewal
    LEASE_NAME: `recorder-${ns}`,
    LEASE_DURATION_SECONDS: "3",
    FLUSH_EVERY_MS: "200",
    DISCOVERY_SECONDS: "1",
    RESYNC_SECONDS: "2",
    LOG_LEVEL: "silent",
    ...extra,
  };
}

/** The recorder in this process, without leader election, recording the test's namespace. */
export async function startTestRecorder(t: TestEnvInfo, ns: string): Promise<RecorderApp> {
  const config = loadConfig(recorderEnv(t, ns, { LEADER_ELECTION: "false" }));
  const app = createRecorderApp({
    config,
    log: createLogger(`recorder-${ns}`, "silent"),
    client: createKubeClient({ kubeconfig: t.kubeconfig }),
  });
  await app.start();
  return app;
}

/** The journal of the namespace-scope BackupConfiguration (no task params) of Repository `repo`. */
export function namespaceJournal(space: TestNamespace): JournalReader {
  const store = createS3ObjectStore(s3StoreOptions(space.t, E2E_BUCKET, space.prefix));
  const scope: JournalScope = { scope: { type: "namespace", namespace: space.ns }, params: {} };
  return new JournalReader({ store, keys: null, scope });
}

/** A Continuous BackupConfiguration `name` of the whole namespace, never scheduled. */
export function createContinuousConfig(space: TestNamespace, name = "c"): Promise<Obj> {
  return space.createConfig(name, {
    schedule: "0 0 1 1 *",
    mode: "Continuous",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: space.ns } },
  });
}

/** `resource/name` → blob id of the stored YAML of every object of these collections now: what a backup would hold. */
export async function liveBlobs(t: TestEnvInfo, collections: { path: string; apiVersion: string; kind: string }[]) {
  const blobs = new Map<string, string>();
  for (const { path, apiVersion, kind } of collections) {
    const res = await kubeHttp(t, path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
    const resource = path.split("/").at(-1) ?? "";
    for (const item of res.body.items as KubeObject[])
      blobs.set(`${resource}/${item.metadata.name}`, blobId(null, storedYaml({ ...item, apiVersion, kind }, true)));
  }
  return blobs;
}

/** `resource/name` → blob id of the journal's state at `time`, for these resources. */
export async function journalBlobs(reader: JournalReader, time: number, resources: string[]) {
  const state = await reader.stateAt(time);
  const blobs = new Map<string, string>();
  for (const { ref, blob } of state.objects.values())
    if (resources.includes(ref.resource)) blobs.set(`${ref.resource}/${ref.name}`, blob);
  return { blobs, gaps: state.gaps };
}

/** Waits until the journal's state now holds exactly `expected` for these resources. */
export function waitForJournal(reader: JournalReader, expected: Map<string, string>, resources: string[]) {
  const want = JSON.stringify([...expected].sort());
  return waitFor(
    `journal of ${reader.scopeId.slice(0, 12)} to hold ${expected.size} objects as the cluster does`,
    async () => {
      const { blobs } = await journalBlobs(reader, Date.now(), resources);
      return JSON.stringify([...blobs].sort()) === want ? blobs : undefined;
    },
    60_000,
    250,
  );
}

/** A namespaced CRD `widgets.<group>` served at v1, once it is established. */
export async function createWidgetCrd(t: TestEnvInfo, group: string): Promise<void> {
  const name = `widgets.${group}`;
  const res = await kubeHttp(t, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    body: {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    },
  });
  if (res.status !== 201) throw new Error(`creating CRD ${name}: ${res.status} ${res.text}`);
  await waitFor(`CRD ${name} established`, async () => {
    const crd = await kubeHttp(t, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const conditions = (crd.body?.status?.conditions ?? []) as Obj[];
    return conditions.some((c) => c.type === "Established" && c.status === "True") || undefined;
  });
}

/** Creates, replaces or deletes through the API, failing with the object named on any other answer. */
export async function kubeWrite(t: TestEnvInfo, method: string, path: string, body?: unknown): Promise<Obj> {
  const res = await kubeHttp(t, path, { method, body });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.body as Obj;
}

/** Whether a recorder process's log says it started recording for this reason ("restart", "takeover"). */
export const recordingSince = (p: ServiceProcess, reason: string): boolean =>
  readFileSync(p.logFile, "utf8")
    .split("\n")
    .some((line) => line.includes('"msg":"recording"') && line.includes(`"reason":"${reason}"`));
