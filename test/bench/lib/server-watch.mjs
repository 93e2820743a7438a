// What the API server spends on a measurement of a benchmark (test/bench/dump.mjs, incremental.mjs):
// the CPU of kube-apiserver and etcd when they are local processes, and kube-apiserver's GC cycles
// and the bytes it allocated.
import { createKubeClient } from "@kubedump/kube";
import { fmt } from "./common.mjs";
import { apiServerGoStats, cpuOf, findLocalServers, rssOf } from "./server-cpu.mjs";

/**
 * Wraps measurements of the cluster at `server`: `withServerCpu(measure)` adds `serverCpu`,
 * `withServer(measure)` also `serverGc` and `serverAllocated` (bytes; from kube-apiserver's
 * /metrics, when readable), and `serverNote(result)` says them for a log line. `close()` closes
 * the metrics client.
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
  // kube-apiserver's garbage collections and allocations during a measurement, from its /metrics (when readable).
  const metricsClient = createKubeClient({ kubeconfig, qps: 0 });
  const withServer = async (measure) => {
    const go0 = await apiServerGoStats(metricsClient);
    const r = await withServerCpu(measure);
    const go1 = go0 === undefined ? undefined : await apiServerGoStats(metricsClient);
    if (go0 === undefined || go1 === undefined) return r;
    const allocated =
      go1.allocated === undefined || go0.allocated === undefined
        ? {}
        : { serverAllocated: go1.allocated - go0.allocated };
    return { ...r, serverGc: go1.gcCycles - go0.gcCycles, ...allocated };
  };
  const serverNote = (r) =>
    `${r.serverGc === undefined ? "" : `; API server GC cycles ${r.serverGc}`}` +
    `${r.serverAllocated === undefined ? "" : `, allocated ${fmt.mib(r.serverAllocated)} MiB`}${serverRssNote()}`;
  return { servers, withServerCpu, withServer, serverNote, close: () => metricsClient.close() };
}
