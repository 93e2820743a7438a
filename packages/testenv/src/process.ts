import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** SIGTERM, then SIGKILL after a grace period; safe to call twice. */
  stop(): Promise<void>;
  exited(): boolean;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves true once the server answers; polled until `timeoutMs`. */
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}

const STOP_GRACE_MS = 10_000;
const HAVE_SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].some((p) => existsSync(p));

export class ServerStartError extends Error {
  override name = "ServerStartError";
}

/** Starts a server with its output in a log file and waits until it is ready. */
export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const fd = openSync(opts.logPath, "a");
  let child: ChildProcess;
  try {
    // With setpriv, a server gets SIGTERM when the process that started it dies, even by SIGKILL.
    const [command, args] = HAVE_SETPRIV
      ? ["setpriv", ["--pdeathsig", "SIGTERM", "--", opts.command, ...opts.args]]
      : [opts.command, opts.args];
    child = spawn(command, args, {
      stdio: ["ignore", fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
  } finally {
    closeSync(fd);
  }
  let exitCode: number | null | undefined;
  let spawnError: Error | undefined;
  const exit = new Promise<void>((done) => {
    child.on("exit", (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      done();
    });
    child.on("error", (err) => {
      spawnError = err;
      exitCode = -1;
      done();
    });
  });
  const handle: ServerProcess = {
    name: opts.name,
    get pid() {
      return child.pid ?? -1;
    },
    logPath: opts.logPath,
    exited: () => exitCode !== undefined,
    stop: async () => {
      if (exitCode !== undefined) return;
      child.kill("SIGTERM");
      const stopped = await Promise.race([exit.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) {
        child.kill("SIGKILL");
        await exit;
      }
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new ServerStartError(
        `${opts.name} exited while starting (${spawnError?.message ?? `code ${exitCode}`})\n` +
          `command: ${opts.command} ${opts.args.join(" ")}\n${logTail(opts.logPath)}`,
      );
    }
    if (await opts.ready().catch(() => false)) return handle;
    await sleep(200);
  }
  await handle.stop();
  throw new ServerStartError(
    `${opts.name} was not ready within ${opts.timeoutMs ?? 120_000} ms\n` +
      `command: ${opts.command} ${opts.args.join(" ")}\n${logTail(opts.logPath)}`,
  );
}

export function logTail(path: string, chars = 4000): string {
  if (!existsSync(path)) return "(no log)";
  const text = readFileSync(path, "utf8");
  return `last output (${path}):\n${text.slice(-chars)}`;
}
