// Helpers shared by the engine's tests; excluded from the build (tsconfig.build.json).
import { createKubeClient } from "@kubedump/kube";
import type { IndexRecord } from "@kubedump/repository/archive";
import { inject } from "vitest";
import type { PartsSink } from "./dump-sink.js";
import { type DumpOptions, type DumpResult, runDump } from "./index.js";

export const env = inject("testenv");
export const client = createKubeClient({ kubeconfig: env.kubeconfig });
/** The prefix of what the engine's tests seed (`seedCluster(env, P)`): namespaces dmp-shop and dmp-blog. */
export const P = "dmp";
export const SHOP = `${P}-shop`;
export const BLOG = `${P}-blog`;
export const GROUP = `${P}.example.com`;

/** An in-memory double of the snapshot sink: what the engine wrote, by path. */
export function memorySink(): PartsSink & { files: Map<string, string>; records: IndexRecord[] } {
  const files = new Map<string, string>();
  const records: IndexRecord[] = [];
  return {
    files,
    records,
    addObjects: async (entries) =>
      entries.map(({ path, data }) => {
        if (files.has(path)) throw new Error(`path written twice: ${path}`);
        files.set(path, data.toString("utf8"));
        return 0;
      }),
    addRecords: async (batch) => {
      records.push(...batch);
    },
  };
}

/** Dumps into a memory sink: the paths written, sorted, their YAML, the result and the index records. */
export async function dump(
  opts: DumpOptions,
): Promise<{ paths: string[]; files: Map<string, string>; result: DumpResult; records: IndexRecord[] }> {
  const sink = memorySink();
  const result = await runDump({ client, sink }, opts);
  return { paths: [...sink.files.keys()].sort(), files: sink.files, result, records: sink.records };
}

/** The paths of a seeded app: its Deployment, ReplicaSet and two Pods. */
export const app = (ns: string, name: string) => [
  `namespaces/${ns}/deployments.apps/${name}.yaml`,
  `namespaces/${ns}/replicasets.apps/${name}-5d4f.yaml`,
  `namespaces/${ns}/pods/${name}-5d4f-1.yaml`,
  `namespaces/${ns}/pods/${name}-5d4f-2.yaml`,
];
/** The paths of a seeded app's Service, ConfigMap, Secret and ServiceAccount. */
export const support = (ns: string, name: string) => [
  `namespaces/${ns}/services/${name}.yaml`,
  `namespaces/${ns}/configmaps/${name}-config.yaml`,
  `namespaces/${ns}/secrets/${name}-secret.yaml`,
  `namespaces/${ns}/serviceaccounts/${name}.yaml`,
];
/** Every path of a namespace backup of the seeded namespaces, the Namespace itself aside. */
export const shopAll = [
  ...app(SHOP, "web"),
  ...support(SHOP, "web"),
  `namespaces/${SHOP}/configmaps.${GROUP}/web-config.yaml`,
];
export const blogAll = [...app(BLOG, "api"), ...support(BLOG, "api")];
