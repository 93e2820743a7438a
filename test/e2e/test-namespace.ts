import type { Repository } from "@kubedump/repository";
import { kubeHttp, type TestEnvInfo } from "@kubedump/testenv";
import {
  createConfig,
  createSession,
  crUrl,
  getObj,
  installCrds,
  type Obj,
  openTestRepository,
  sessionsOf,
  setupRepository,
  waitFor,
  waitForSession,
} from "./harness.js";

/** The slot of a scheduled session `<config>-<slot unix seconds>`, in ms. */
export const slotOf = (sessionName: string): number => Number(sessionName.split("-").pop()) * 1000;

/** A condition of an object's status, by type. */
export function conditionOf(obj: Obj | undefined, type: string): Obj | undefined {
  return (obj?.status?.conditions as Obj[] | undefined)?.find((c) => c.type === type);
}

/** Waits until `path` has a condition `type` with `status`, and returns the object. */
export function waitForCondition(t: TestEnvInfo, path: string, type: string, status: string): Promise<Obj> {
  return waitFor(
    `${path}: condition ${type}=${status}`,
    async () => {
      const obj = await getObj(t, path);
      return conditionOf(obj, type)?.status === status ? obj : undefined;
    },
    60_000,
    100,
  );
}

/** A test's own namespace on the test servers, its Repository `repo`, and the harness's calls bound to both. */
export interface TestNamespace {
  readonly t: TestEnvInfo;
  readonly ns: string;
  /** The bucket prefix of Repository `repo`: each test has its own. */
  readonly prefix: string;
  /** Installs kubedump's CRDs, then makes the namespace, Repository `repo` and its Secret. */
  setup(opts?: { password?: string; format?: 1 | 2 }): Promise<void>;
  /** The API path of a kubedump object of the namespace, or of its collection. */
  url(plural: string, name?: string): string;
  get(plural: string, name: string): Promise<Obj | undefined>;
  /** A JSON merge patch of a kubedump object (`path`: "status" for its status); fails naming the object. */
  patch(plural: string, name: string, body: Obj, path?: "status"): Promise<Obj>;
  /** A BackupConfiguration of Repository `repo`. */
  createConfig(name: string, spec: Obj): Promise<Obj>;
  createSession(name: string, config: string): Promise<Obj>;
  /** The session once it is finished. */
  waitForSession(name: string, timeoutMs?: number): Promise<Obj>;
  /** The sessions of a configuration, by name. */
  sessionsOf(config: string): Promise<Obj[]>;
  /** The object once its status.phase is `phase`. */
  waitForPhase(plural: string, name: string, phase: string, timeoutMs?: number): Promise<Obj>;
  /** The object once it has a condition `type` with `status`. */
  waitForCondition(plural: string, name: string, type: string, status: string): Promise<Obj>;
  /** The Events about an object of the namespace, by its name. */
  eventsOf(name: string): Promise<Obj[]>;
  /** The first session a configuration's schedule made for a slot after `afterMs` (any slot by default). */
  waitForScheduled(config: string, afterMs?: number, timeoutMs?: number): Promise<Obj>;
  /** Repository `repo`, opened as the dump worker opens it. */
  repository(): Promise<Repository>;
}

export function testNamespace(t: TestEnvInfo, ns: string, prefix = ns): TestNamespace {
  return {
    t,
    ns,
    prefix,
    async setup(opts = {}) {
      await installCrds(t);
      await setupRepository(t, ns, { prefix, ...opts });
    },
    url: (plural, name) => crUrl(plural, ns, name),
    get: (plural, name) => getObj(t, crUrl(plural, ns, name)),
    async patch(plural, name, body, path) {
      const url = `${crUrl(plural, ns, name)}${path ? `/${path}` : ""}`;
      const res = await kubeHttp(t, url, { method: "PATCH", body, contentType: "application/merge-patch+json" });
      if (res.status !== 200) throw new Error(`patching ${plural} ${ns}/${name}: ${res.status} ${res.text}`);
      return res.body;
    },
    createConfig: (name, spec) => createConfig(t, ns, name, spec),
    createSession: (name, config) => createSession(t, ns, name, config),
    waitForSession: (name, timeoutMs) => waitForSession(t, ns, name, timeoutMs),
    sessionsOf: (config) => sessionsOf(t, ns, config),
    waitForPhase: (plural, name, phase, timeoutMs = 60_000) =>
      waitFor(
        `${plural} ${ns}/${name} to be ${phase}`,
        async () => {
          const obj = await getObj(t, crUrl(plural, ns, name));
          return obj?.status?.phase === phase ? obj : undefined;
        },
        timeoutMs,
        100,
      ),
    waitForCondition: (plural, name, type, status) => waitForCondition(t, crUrl(plural, ns, name), type, status),
    async eventsOf(name) {
      const selector = encodeURIComponent(`involvedObject.name=${name}`);
      return (await kubeHttp(t, `/api/v1/namespaces/${ns}/events?fieldSelector=${selector}`)).body.items as Obj[];
    },
    waitForScheduled: (config, afterMs = -1, timeoutMs = 150_000) =>
      waitFor(
        `a scheduled session of ${ns}/${config} after ${afterMs < 0 ? "none" : new Date(afterMs).toISOString()}`,
        async () => (await sessionsOf(t, ns, config)).find((s) => slotOf(s.metadata.name) > afterMs),
        timeoutMs,
      ),
    repository: () => openTestRepository(t, prefix),
  };
}
