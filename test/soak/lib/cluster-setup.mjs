// What the soak puts on the API server: kubedump's CRDs, four small seeded namespaces, and in
// namespace `soak` a Repository on MinIO and N BackupConfigurations on a one-minute schedule.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { kubeHttp, s3RepositoryBackend, seedCluster } from "@kubedump/testenv";

export const NS = "soak";
export const LEASE_NS = "kubedump-system";
export const BUCKET = "kubedump-soak";
export const API = "/apis/kubedump.io/v1alpha1";
export const crUrl = (plural, name) => `${API}/namespaces/${NS}/${plural}${name ? `/${name}` : ""}`;

/** POSTs `body` to `path`; 201 or, when `existsOk`, 409 is fine, anything else throws naming the object. */
async function create(env, path, body, existsOk = false) {
  const res = await kubeHttp(env, path, { body });
  if (res.status === 201 || (existsOk && res.status === 409)) return res.body;
  throw new Error(`creating ${path} ${body.metadata.name}: ${res.status} ${res.text.slice(0, 300)}`);
}

async function installCrds(env, root) {
  await promisify(execFile)(env.kubectl, ["apply", "--server-side", "-f", join(root, "deploy", "crds")], {
    env: { ...process.env, KUBECONFIG: env.kubeconfig },
  });
  for (let i = 0; i < 300; i++) {
    if ((await kubeHttp(env, `${API}/backupconfigurations`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("kubedump's CRDs were not served within 30 s");
}

/** The configuration `i` backs up: one of the seeded namespaces, every third one an application in it. */
function targetOf(i, seeded) {
  const all = seeded.flatMap((s) => [
    { ns: s.namespaces.shop, app: "web" },
    { ns: s.namespaces.blog, app: "api" },
  ]);
  const { ns, app } = all[i % all.length];
  return i % 3 === 2
    ? { ref: { apiVersion: "apps/v1", kind: "Deployment", name: app, namespace: ns } }
    : { ref: { apiVersion: "v1", kind: "Namespace", name: ns } };
}

export const configName = (i) => `c${String(i).padStart(2, "0")}`;

/**
 * Sets everything up and returns the configurations' names. `historyLimit` is their
 * backupHistoryLimit: above the sessions a run makes, so none is deleted while the soak counts.
 */
export async function setupCluster(env, { root, configs, historyLimit }) {
  await installCrds(env, root);
  const seeded = [await seedCluster(env, "soak-a"), await seedCluster(env, "soak-b")];
  for (const name of [NS, LEASE_NS]) await create(env, "/api/v1/namespaces", { metadata: { name } }, true);
  const { backend, secret } = s3RepositoryBackend(env, BUCKET, "soak");
  await create(env, `/api/v1/namespaces/${NS}/secrets`, { metadata: { name: "s3-secret" }, stringData: secret });
  const repository = { apiVersion: "kubedump.io/v1alpha1", kind: "Repository", metadata: { name: "repo" } };
  await create(env, crUrl("repositories"), { ...repository, spec: { backend, storageSecretName: "s3-secret" } });
  const names = [];
  for (let i = 0; i < configs; i++) {
    const name = configName(i);
    await create(env, crUrl("backupconfigurations"), {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name },
      spec: {
        repository: { name: "repo" },
        schedule: "* * * * *",
        target: targetOf(i, seeded),
        backupHistoryLimit: historyLimit,
      },
    });
    names.push(name);
  }
  return names;
}

/** Waits until every configuration's Scheduled condition is True. */
export async function waitScheduled(env, names, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = (await kubeHttp(env, crUrl("backupconfigurations"))).body.items ?? [];
    const scheduled = items.filter((c) =>
      c.status?.conditions?.some((x) => x.type === "Scheduled" && x.status === "True"),
    );
    if (names.every((n) => scheduled.some((c) => c.metadata.name === n))) return;
    if (Date.now() > deadline)
      throw new Error(`${names.length - scheduled.length} configurations not Scheduled after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Every BackupSession of namespace `soak`. */
export async function listSessions(env) {
  const res = await kubeHttp(env, crUrl("backupsessions"));
  if (res.status !== 200) throw new Error(`listing BackupSessions: ${res.status} ${res.text.slice(0, 200)}`);
  return res.body.items;
}
