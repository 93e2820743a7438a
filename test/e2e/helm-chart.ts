// The Helm chart rendered without a cluster, for the chart's tests: helm itself, the value sets
// of deploy/helm/kubedump/ci, and what a rendered container's environment would be.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { load, loadAll } from "js-yaml";
import { inject } from "vitest";
import type { Obj } from "./harness.js";

const t = inject("testenv");
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const CHART = join(ROOT, "deploy", "helm", "kubedump");
export const CI = join(CHART, "ci");
const run = promisify(execFile);

export const helm = async (...args: string[]) => (await run(t.helm, args, { maxBuffer: 64 << 20 })).stdout;
export const render = async (args: string[]): Promise<Obj[]> =>
  (loadAll(await helm("template", "kd", CHART, "--namespace", "helm-render", ...args)) as (Obj | null)[]).filter(
    (o): o is Obj => !!o,
  );

export const VALUE_SETS: [string, string[]][] = [
  ["the defaults", []],
  ...readdirSync(CI)
    .sort()
    .map((f): [string, string[]] => [basename(f, ".yaml"), ["-f", join(CI, f)]]),
];
export const valuesOf = (args: string[]): Obj => (args[1] ? (load(readFileSync(args[1], "utf8")) as Obj) : {});
export const at = (o: Obj, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], o);

export const SERVICES = ["watcher", "scheduler", "dump-worker", "metrics-gateway"] as const;
export type Service = (typeof SERVICES)[number];
export const serviceOf = (o: Obj): Service | undefined =>
  SERVICES.find((s) => o.metadata.labels?.["app.kubernetes.io/component"] === s);
export const workloads = (objs: Obj[]) => objs.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");

/** A container's environment as the kubelet would give it (Secrets read from the rendered ones). */
export function envOf(container: Obj, objs: Obj[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = objs.find((o) => o.kind === "Secret" && o.metadata.name === ref.name);
      const data = secret?.data?.[ref.key];
      env[e.name] = data
        ? Buffer.from(data, "base64").toString("utf8")
        : e.name === "REDIS_URL"
          ? "redis://existing-secret:6379"
          : "from-existing-secret";
    } else if (e.valueFrom?.fieldRef) env[e.name] = "kd-pod-0";
    else env[e.name] = e.value;
  }
  return env;
}
