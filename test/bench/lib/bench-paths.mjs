// The collections a backup of the bench namespaces reads (test/bench/incremental.mjs and its experiments).
import { compileFilters } from "@kubedump/dump";
import { collectionPath, createKubeClient, discoverResources } from "@kubedump/kube";
import { NAMESPACE_PREFIX } from "./seed.mjs";

/** The resource types kubedump backs up in the bench namespaces, discovered through `client`. */
export async function benchTypes(client) {
  const discovery = await discoverResources(client);
  const scope = { scope: { type: "cluster" }, includeNamespaces: [`${NAMESPACE_PREFIX}*`] };
  return compileFilters(scope, discovery.resources).resources;
}

/** The types kubedump backs up in the bench namespaces: the raw LIST reads the same collections. */
export async function listPaths(kubeconfig) {
  const client = createKubeClient({ kubeconfig, qps: 0 });
  const types = await benchTypes(client);
  client.close();
  return types.map((t) => collectionPath(t));
}
