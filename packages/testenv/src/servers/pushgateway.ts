import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary } from "../binaries.js";
import { probeStatus } from "../http-probe.js";
import { freePort } from "../ports.js";
import { type ServerProcess, startServer } from "../process.js";

export interface Pushgateway {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  process: ServerProcess;
  /** Stops the server and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface PushgatewayOptions {
  /** Where its log goes; a temporary directory (removed by stop) when not given. */
  dir?: string;
  /** Extra command-line flags, e.g. `--push.disable-consistency-check`. */
  args?: string[];
}

/**
 * Prometheus's Pushgateway on 127.0.0.1 and a free port, memory only, with the admin API
 * (`PUT /api/v1/admin/wipe`) and the lifecycle API on. Starts in well under a second, so a test
 * file starts its own, the reference its requests are compared against.
 */
export async function startPushgateway(opts: PushgatewayOptions = {}): Promise<Pushgateway> {
  const bin = await ensureBinary("pushgateway");
  const port = await freePort();
  const ownDir = opts.dir === undefined ? mkdtempSync(join(tmpdir(), "kubedump-pushgateway-")) : undefined;
  const dir = opts.dir ?? ownDir ?? "";
  const url = `http://127.0.0.1:${port}`;
  const removeDir = () => {
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  };
  let process: ServerProcess;
  try {
    process = await startServer({
      name: "pushgateway",
      command: bin,
      args: [
        `--web.listen-address=127.0.0.1:${port}`,
        "--web.enable-admin-api",
        "--web.enable-lifecycle",
        "--log.level=warn",
        ...(opts.args ?? []),
      ],
      logPath: join(dir, "pushgateway.log"),
      ready: async () => (await probeStatus(`${url}/-/ready`)) === 200,
      timeoutMs: 30_000,
    });
  } catch (err) {
    removeDir();
    throw err;
  }
  return {
    url,
    port,
    process,
    stop: async () => {
      await process.stop();
      removeDir();
    },
  };
}
