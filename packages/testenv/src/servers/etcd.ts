import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary } from "../binaries.js";
import { probeStatus } from "../http-probe.js";
import { freePorts } from "../ports.js";
import { type ServerProcess, startServer } from "../process.js";

export interface Etcd {
  url: string;
  process: ServerProcess;
}

export async function startEtcd(dir: string): Promise<Etcd> {
  const bin = await ensureBinary("etcd");
  const [clientPort, peerPort] = await freePorts(2);
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const data = join(dir, "etcd-data");
  mkdirSync(data, { recursive: true });
  const process = await startServer({
    name: "etcd",
    command: bin,
    args: [
      "--name=testenv",
      `--data-dir=${data}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=testenv=${peer}`,
      "--unsafe-no-fsync",
      "--quota-backend-bytes=8589934592",
      "--log-level=warn",
    ],
    logPath: join(dir, "etcd.log"),
    ready: async () => (await probeStatus(`${url}/health`)) === 200,
  });
  return { url, process };
}
