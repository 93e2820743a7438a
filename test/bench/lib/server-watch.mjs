// What the API server spends on a measurement of the dump benchmark (test/bench/dump.mjs): the CPU
// of kube-apiserver and etcd when they are local processes, and kube-apiserver's GC cycles.
import { createKubeClient } from "@kubedump/kube";
import { fmt } from "./common.mjs";
import { apiServerGcCycles, cpuOf, findLocalServers, rssOf } from "./server-cpu.mjs";

/**
 * Wraps measurements of the cluster at `server`: `withServerCpu(measure)` adds `serverCpu`,
 * `withServer(measure)` also `serverGc` (from kube-apiserver's /metrics, when readable), and
 * `serverNote(result)` says both for a log line. `close()` closes the metrics client.
 */
export function createServerWatch({ kubeconfig, server }) {
  // The API server's and etcd's CPU per measurement, when they are local processes.
  const servers = findLocalServers(server);
  const withServerCpu = async (measure) => {
    const before = cpuOf(servers);
    const r = await measure();
    return servers.length ? { ...r, serverCpu: cpuOf(servers) - before } : r;
  };
  const serverRssNote = () => (servers.length ? `; API server + etcd RSS now ${fmt.mib(rssOf(servers))} MiB` : "");
  // kube-apiserver's garbage collections during a measurement, from its /metrics (when readable).
  const metricsClient = createKubeClient({ kubeconfig, qps: 0 });
  const withServer = async (measure) => {
    const gc0 = await apiServerGcCycles(metricsClient);
    const r = await withServerCpu(measure);
    const gc1 = gc0 === undefined ? undefined : await apiServerGcCycles(metricsClient);
    return gc1 === undefined ? r : { ...r, serverGc: gc1 - gc0 };
  };
  const serverNote = (r) =>
    `${r.serverGc === undefined ? "" : `; API server GC cycles ${r.serverGc}`}${serverRssNote()}`;
  return { servers, withServerCpu, withServer, serverNote, close: () => metricsClient.close() };
}
