// The cluster the RBAC tests (rbac.test.ts) run against: seeded namespaces, two Repositories, Secrets
// no service may read, a configuration and finished sessions, and the chart installed four times.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kubeHttp, seedCluster } from "@kubedump/testenv";
import { load } from "js-yaml";
import { inject } from "vitest";
import {
  createConfig,
  createRestoreSession,
  createSession,
  crUrl,
  installCrds,
  type Obj,
  openTestRepository,
  setupRepository,
} from "./harness.js";
import { CHART, install, type Release } from "./rbac-release.js";

const t = inject("testenv");

export const P = "rbac"; // seeded namespaces rbac-shop and rbac-blog, custom group rbac.example.com
export const SHOP = `${P}-shop`;
export const APPS = "rbac-apps"; // the restricted release's watched namespace: Repository, configurations, sessions
export const OTHER = "rbac-other"; // holds a Secret no kubedump service may read
export const E2E = "rbac-e2e"; // the default release's Repository and sessions

export type Releases = Record<"restricted" | "restrictedRestore" | "default" | "restore", Release>;

/**
 * Sets up the cluster and installs the least-privilege release, the same with restore.enabled,
 * the default one, and the default one with restore.enabled.
 */
export async function setUpRbac(): Promise<Releases> {
  await installCrds(t);
  await seedCluster(t, P);
  await setupRepository(t, APPS, { prefix: APPS });
  await setupRepository(t, E2E, { prefix: E2E });
  await kubeHttp(t, `/api/v1/namespaces/${APPS}/secrets`, {
    body: { metadata: { name: "not-storage" }, stringData: { token: "x" } },
  });
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: OTHER } } });
  await kubeHttp(t, `/api/v1/namespaces/${OTHER}/secrets`, {
    body: { metadata: { name: "elsewhere" }, stringData: { token: "x" } },
  });
  await createConfig(t, APPS, "shop", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: SHOP } },
  });
  // A finished session, for the status-patch checks (finished, so no worker ever takes it).
  await createSession(t, APPS, "probe", "shop");
  await kubeHttp(t, `${crUrl("backupsessions", APPS, "probe")}/status`, {
    method: "PATCH",
    body: { status: { phase: "Skipped" } },
    contentType: "application/merge-patch+json",
  });
  // Finished RestoreSessions: one for the status-patch checks, one the watcher's token deletes.
  for (const name of ["probe-restore", "probe-restore-old"]) {
    await createRestoreSession(t, APPS, name);
    await kubeHttp(t, `${crUrl("restoresessions", APPS, name)}/status`, {
      method: "PATCH",
      body: { status: { phase: "Failed" } },
      contentType: "application/merge-patch+json",
    });
  }

  const chartValues = load(readFileSync(join(CHART, "values.yaml"), "utf8")) as Obj;
  const leastPrivilege = {
    watchNamespace: APPS,
    rbac: { storageSecrets: [{ namespace: APPS, names: ["s3-secret"] }] },
    dumpWorker: {
      rbac: { backupSecrets: false, apiGroups: [...chartValues.dumpWorker.rbac.apiGroups, `${P}.example.com`] },
    },
  };
  return {
    restricted: await install("rbac-restricted", leastPrivilege),
    restrictedRestore: await install("rbac-restricted-restore", { ...leastPrivilege, restore: { enabled: true } }),
    default: await install("rbac-default", {}),
    restore: await install("rbac-restore", { restore: { enabled: true } }),
  };
}

/** The S3 repository of the Repository set up in the namespace of that name. */
export const repository = (prefix: string) => openTestRepository(t, prefix);
