// Builders shared by the console's tests; excluded from the build (tsconfig.build.json).
import { sanitize, takeSnapshot, toYaml } from "@kubedump/dump";
import { createKubeClient, type KubeObject } from "@kubedump/kube";
import { JournalWriter, openJournalKeys } from "@kubedump/repository/journal";
import { createObjectStoreFromBackend, type Repository } from "@kubedump/repository";
import { kubeHttp, runLogDir, s3RepositoryBackend, type TestEnvInfo } from "@kubedump/testenv";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { type TestNamespace, testNamespace } from "../../../test/e2e/test-namespace.js";
import { type ConsoleApp, createConsoleApp } from "./app.js";
import { loadConfig } from "./config.js";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

async function must(t: TestEnvInfo, path: string, body: unknown): Promise<void> {
  const res = await kubeHttp(t, path, { body });
  if (res.status !== 201 && res.status !== 409) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
}

/**
 * A ServiceAccount `name` of `home` bound to a Role with `rules` in each namespace of `grants`,
 * and a token of it from the API server (TokenRequest, the API server's own audience).
 */
export async function userToken(
  t: TestEnvInfo,
  home: string,
  name: string,
  grants: Record<string, Rule[]>,
  clusterRules: Rule[] = [],
): Promise<string> {
  await must(t, `/api/v1/namespaces/${home}/serviceaccounts`, { metadata: { name } });
  if (clusterRules.length) {
    const rbac = "/apis/rbac.authorization.k8s.io/v1";
    await must(t, `${rbac}/clusterroles`, { metadata: { name: `${home}-${name}` }, rules: clusterRules });
    await must(t, `${rbac}/clusterrolebindings`, {
      metadata: { name: `${home}-${name}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${home}-${name}` },
      subjects: [{ kind: "ServiceAccount", name, namespace: home }],
    });
  }
  for (const [ns, rules] of Object.entries(grants)) {
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}`;
    await must(t, `${rbac}/roles`, { metadata: { name: `${home}-${name}` }, rules });
    await must(t, `${rbac}/rolebindings`, {
      metadata: { name: `${home}-${name}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${home}-${name}` },
      subjects: [{ kind: "ServiceAccount", name, namespace: home }],
    });
  }
  const res = await kubeHttp(t, `/api/v1/namespaces/${home}/serviceaccounts/${name}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  if (res.status !== 201) throw new Error(`TokenRequest for ${home}/${name}: ${res.status} ${res.text}`);
  return res.body.status.token as string;
}

const KD = "kubedump.io";
export const rule = (apiGroup: string, resources: string[], verbs: string[]): Rule => ({
  apiGroups: [apiGroup],
  resources,
  verbs,
});

/** A snapshot of namespace `app` taken by the backup code path (takeSnapshot), in small parts; its id. */
export async function snapshotOf(t: TestEnvInfo, repository: Repository, app: string): Promise<string> {
  const client = createKubeClient({ kubeconfig: t.kubeconfig });
  try {
    const options = { scope: { type: "namespace" as const, namespace: app } };
    return (await takeSnapshot({ client, repository }, { options, source: { kind: "cli" }, maxPartBytes: 2048 }))
      .manifest.id;
  } finally {
    client.close();
  }
}

export interface ConsoleFixture {
  tn: TestNamespace;
  /** The namespace the snapshot is of: ConfigMaps cm-00…cm-24 and Secret `db`. */
  app: string;
  repository: Repository;
  snapshot: string;
  url: string;
  /** Gets Repository `repo`, the app's ConfigMaps, acts on sessions; no Secrets. */
  reader: string;
  /** The reader's grants plus get on the app's Secrets and on its Namespace (by name). */
  admin: string;
  /** A valid token without any grant. */
  nobody: string;
  /** Every line the console logged (also in the run's log directory, which the run's end scans for Secrets). */
  logs: string[];
  close(): Promise<void>;
}

export const CONFIGMAPS = 25;
export const SECRET_VALUE = "s3cr3t-console-value";

/** A namespace with Repository `repo`, a snapshot of `<prefix>-app` taken by the backup code path, three users, and the console. */
export async function consoleFixture(
  t: TestEnvInfo,
  prefix: string,
  extraEnv: Record<string, string> = {},
  format: 1 | 2 = 1,
): Promise<ConsoleFixture> {
  const tn = testNamespace(t, `${prefix}-home`);
  const app = `${prefix}-app`;
  await tn.setup();
  await must(t, "/api/v1/namespaces", { metadata: { name: app } });
  for (let i = 0; i < CONFIGMAPS; i++)
    await must(t, `/api/v1/namespaces/${app}/configmaps`, {
      metadata: { name: `cm-${String(i).padStart(2, "0")}` },
      data: { n: String(i) },
    });
  await must(t, `/api/v1/namespaces/${app}/secrets`, {
    metadata: { name: "db" },
    stringData: { password: SECRET_VALUE },
  });
  if (format === 2) await createFormat2(t, tn.prefix);
  const repository = await tn.repository();
  const snapshot = await snapshotOf(t, repository, app);
  const home = tn.ns;
  const acting = [
    rule(KD, ["repositories"], ["get"]),
    rule(KD, ["backupconfigurations", "backupsessions", "restoresessions"], ["get", "list"]),
    rule(KD, ["backupsessions", "restoresessions"], ["create"]),
  ];
  const reads = [rule("", ["configmaps"], ["get"])];
  const reader = await userToken(t, home, "reader", { [home]: acting, [app]: reads });
  const ownNamespace = { ...rule("", ["namespaces"], ["get"]), resourceNames: [app] };
  const adminReads = [...reads, rule("", ["secrets"], ["get"])];
  const admin = await userToken(t, home, "admin", { [home]: acting, [app]: adminReads }, [ownNamespace]);
  const nobody = await userToken(t, home, "nobody", {});
  const env = { KUBECONFIG: t.kubeconfig, HTTP_HOST: "127.0.0.1", HTTP_PORT: "0", LOG_LEVEL: "debug", ...extraEnv };
  const { log, logs } = capturedLog(t, prefix);
  const consoleApp: ConsoleApp = createConsoleApp({ config: loadConfig(env), log });
  const port = await consoleApp.start();
  return {
    ...{ tn, app, repository, snapshot, url: `http://127.0.0.1:${port}` },
    ...{ reader, admin, nobody, logs },
    close: () => consoleApp.close(),
  };
}

/** An empty format-2 repository (its repository.json) below the Repository's prefix: backups then write format 2. */
async function createFormat2(t: TestEnvInfo, prefix: string): Promise<void> {
  const store = createObjectStoreFromBackend(s3RepositoryBackend(t, "kubedump-e2e", prefix));
  const config = { formatVersion: 2, created: new Date().toISOString(), encryption: null };
  await store.put("repository.json", Buffer.from(JSON.stringify(config)));
}

/** A logger whose lines are kept in memory and appended to `<run log dir>/console-<prefix>.log`. */
function capturedLog(t: TestEnvInfo, prefix: string) {
  const logs: string[] = [];
  mkdirSync(runLogDir(t), { recursive: true });
  const file = join(runLogDir(t), `console-${prefix}.log`);
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split("\n").filter(Boolean));
      appendFileSync(file, chunk);
      done();
    },
  });
  return { log: pino({ level: "debug" }, sink), logs };
}

/** A GET or POST to the console with a bearer token; the body parsed when it is JSON. */
export async function call(
  url: string,
  opts: { token?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const type = res.headers.get("content-type") ?? "";
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of the API under test
  const body: any = type.includes("json") ? await res.json() : Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

async function patched(t: TestEnvInfo, path: string, body: unknown): Promise<KubeObject> {
  const res = await kubeHttp(t, path, { method: "PATCH", body, contentType: "application/merge-patch+json" });
  if (res.status !== 200) throw new Error(`PATCH ${path}: ${res.status} ${res.text}`);
  return res.body as KubeObject;
}

/**
 * Continuous capture of a format-2 fixture's namespace, journaled as the recorder journals it (each
 * object as the API server returned it, sanitized): ConfigMap cm-05 modified twice (n: five, then
 * FIVE), a restart gap, Secret db modified (password: journaled). The changes' ISO times.
 */
export async function journalChanges(t: TestEnvInfo, f: ConsoleFixture): Promise<string[]> {
  const manifest = await f.repository.getSnapshot(f.snapshot);
  const store = createObjectStoreFromBackend(s3RepositoryBackend(t, "kubedump-e2e", f.tn.prefix));
  const keys = await openJournalKeys({ store });
  const writer = new JournalWriter({ store, keys, scope: { scope: manifest.scope, params: manifest.params } });
  const times: string[] = [];
  const record = async (object: KubeObject, resource: string) => {
    const { namespace, name, uid, resourceVersion } = object.metadata as Record<string, string>;
    const ref = { group: "", version: "v1", resource, namespace, name: name as string, uid: uid as string };
    const time = Date.now();
    times.push(new Date(time).toISOString());
    const data = toYaml(sanitize(structuredClone(object)));
    await writer.append({ time, kind: "modified", ref, resourceVersion: resourceVersion as string, data });
    await new Promise((resolve) => setTimeout(resolve, 10));
  };
  const cms = `/api/v1/namespaces/${f.app}/configmaps`;
  await record(await patched(t, `${cms}/cm-05`, { data: { n: "five" } }), "configmaps");
  await record(await patched(t, `${cms}/cm-05`, { data: { n: "FIVE" } }), "configmaps");
  await writer.appendGap({ from: Date.now() - 5, to: Date.now(), reason: "restart" });
  const secret = await patched(t, `/api/v1/namespaces/${f.app}/secrets/db`, { stringData: { password: "journaled" } });
  await record(secret, "secrets");
  await writer.close();
  return times;
}
