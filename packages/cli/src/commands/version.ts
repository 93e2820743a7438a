import type { Command } from "commander";
import { createKubeClient, KubeApiError, KubeConfigError, type KubeClient, KubeUnreachableError } from "@kubedump/kube";
import { buildInfo } from "../build-info.js";
import { printable, table } from "../format.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { type ClusterFlags, clientOptions, clusterOptions } from "./cluster-options.js";

interface Flags extends ClusterFlags {
  client?: boolean;
  namespace?: string;
  output?: string;
}

/**
 * How the running services are found: the chart labels every object `app.kubernetes.io/part-of:
 * kubedump`, each Deployment with its component and the release's `app.kubernetes.io/version`,
 * and runs the image its tag or digest names. Reading Deployments needs nothing but the kubeconfig
 * (no port-forward to a Pod's /metrics), and is what `kubectl get deploy` shows.
 */
const PART_OF = "app.kubernetes.io/part-of=kubedump";

interface Deployment {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec?: { containers?: { name: string; image?: string }[] } } };
  status?: { readyReplicas?: number };
}

interface ServiceVersion {
  namespace: string;
  deployment: string;
  component: string;
  version: string;
  image: string;
  ready: string;
}

export function versionCommand(program: Command): void {
  const cmd = program
    .command("version")
    .description(
      "this CLI's version and commit, and the version of the kubedump services running in the cluster " +
        `(its Deployments labelled ${PART_OF}), when it can be reached`,
    )
    .option("--client", "the CLI's version only; do not ask the cluster")
    .option("-n, --namespace <ns>", "look for the services in this namespace only (default: every namespace)")
    .addOption(outputOption(REPORT_FORMATS));
  clusterOptions(cmd).action(async (flags: Flags) => {
    const client = buildInfo();
    const services = flags.client ? undefined : await servicesOf(flags);
    if (printData(flags.output, { client, ...services })) return;
    process.stdout.write(`Client: ${client.version} (commit ${client.commit})\n`);
    if (!services) return;
    if (services.servicesError) process.stderr.write(`Services: ${printable(services.servicesError)}\n`);
    else if (!services.services?.length)
      process.stdout.write(`Services: none found (no Deployment labelled ${PART_OF})\n`);
    else {
      const rows = services.services.map((s) => [s.namespace, s.deployment, s.component, s.version, s.image, s.ready]);
      const text = table(["NAMESPACE", "DEPLOYMENT", "COMPONENT", "VERSION", "IMAGE", "READY"], rows);
      process.stdout.write(`Services:\n${printable(text).replace(/^/gm, "  ")}\n`);
    }
  });
}

/** The services' versions, or why they could not be read: the CLI's version is printed all the same. */
async function servicesOf(flags: Flags): Promise<{ services?: ServiceVersion[]; servicesError?: string }> {
  let client: KubeClient | undefined;
  try {
    client = createKubeClient({ ...clientOptions(flags), maxRetries: 1, timeoutMs: 10_000 });
    return { services: await listServices(client, flags.namespace) };
  } catch (err) {
    if (err instanceof KubeConfigError) return { servicesError: `no cluster: ${err.message}` };
    if (err instanceof KubeUnreachableError) return { servicesError: `the cluster cannot be reached: ${err.message}` };
    if (err instanceof KubeApiError) return { servicesError: `the Deployments cannot be listed: ${err.message}` };
    throw err;
  } finally {
    client?.close();
  }
}

/** Every namespace's kubedump Deployments; without the right to list them all, the context's namespace's. */
async function listServices(client: KubeClient, namespace: string | undefined): Promise<ServiceVersion[]> {
  const query = { labelSelector: PART_OF };
  const inNamespace = (ns: string) => `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments`;
  let items: Deployment[];
  try {
    items = (
      await client.get<{ items: Deployment[] }>(namespace ? inNamespace(namespace) : "/apis/apps/v1/deployments", query)
    ).items;
  } catch (err) {
    if (namespace || !(err instanceof KubeApiError && err.status === 403)) throw err;
    items = (await client.get<{ items: Deployment[] }>(inNamespace(client.namespace), query)).items;
  }
  return items
    .map((d) => {
      const labels = d.metadata.labels ?? {};
      const component = labels["app.kubernetes.io/component"] ?? "";
      const containers = d.spec?.template?.spec?.containers ?? [];
      const container = containers.find((c) => c.name === component) ?? containers[0];
      return {
        namespace: d.metadata.namespace ?? "",
        deployment: d.metadata.name,
        component,
        version: labels["app.kubernetes.io/version"] ?? "",
        image: container?.image ?? "",
        ready: `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.deployment.localeCompare(b.deployment));
}
