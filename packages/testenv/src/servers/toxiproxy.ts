import { join } from "node:path";
import { ensureBinary } from "../binaries.js";
import { probeStatus } from "../http-probe.js";
import { freePort } from "../ports.js";
import { type ServerProcess, startServer } from "../process.js";
import { createToxiproxyClient, type ToxiproxyClient } from "../toxiproxy-client.js";

export interface Toxiproxy {
  /** Base URL of its HTTP API, e.g. http://127.0.0.1:41234. */
  apiUrl: string;
  client: ToxiproxyClient;
  process: ServerProcess;
}

/**
 * Shopify's Toxiproxy (toxiproxy-server) with its API on 127.0.0.1 and a free port; logs to
 * `dir`/toxiproxy.log. Proxies are made through `client`, each listening on 127.0.0.1.
 */
export async function startToxiproxy(dir: string): Promise<Toxiproxy> {
  const bin = await ensureBinary("toxiproxy");
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const process = await startServer({
    name: "toxiproxy",
    command: bin,
    args: ["-host", "127.0.0.1", "-port", String(port)],
    logPath: join(dir, "toxiproxy.log"),
    ready: async () => (await probeStatus(`${apiUrl}/version`)) === 200,
    timeoutMs: 30_000,
  });
  return { apiUrl, client: createToxiproxyClient(apiUrl), process };
}
