// Containers run with runc, each in a bundle directory, with a state directory of their own (so
// nothing here sees or touches another run's containers) and their output in a log file.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Obj } from "./harness.js";

const run = promisify(execFile);

/** The runc on PATH, or why there is none. */
export async function findRunc(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await run("runc", ["--version"]);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `runc is not installed (${(err as Error).message}); scripts/setup.sh installs it` };
  }
}

export interface Container {
  id: string;
  logFile: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export interface Runc {
  /** runc's --root: the state of these containers only. */
  stateDir: string;
  /** `runc run` of the config in a new bundle; the container's output goes to `logFile`. */
  start(id: string, config: Obj, logFile: string): Container;
  /** Sends SIGTERM and waits up to `graceMs` for the container to exit. */
  stop(c: Container, graceMs?: number): Promise<number | null>;
  /** `runc delete --force` of every container started here, then their bundles; never throws. */
  deleteAll(): Promise<void>;
}

export function createRunc(): Runc {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-runc-"));
  const state = join(dir, "state");
  const started: Container[] = [];
  const runc = (...args: string[]) => run("runc", ["--root", state, ...args]);
  return {
    stateDir: state,
    start(id, config, logFile) {
      const bundle = join(dir, id);
      mkdirSync(bundle);
      writeFileSync(join(bundle, "config.json"), JSON.stringify(config, null, 2));
      const fd = openSync(logFile, "a");
      let child: ChildProcess;
      try {
        child = spawn("runc", ["--root", state, "run", "--bundle", bundle, id], { stdio: ["ignore", fd, fd] });
      } finally {
        closeSync(fd);
      }
      const exited = new Promise<number | null>((done) => {
        child.on("exit", (code) => done(code));
        child.on("error", () => done(-1));
      });
      const c = { id, logFile, child, exited };
      started.push(c);
      return c;
    },
    async stop(c, graceMs = 15_000) {
      await runc("kill", c.id, "TERM").catch(() => {});
      const timeout = new Promise<"timeout">((done) => setTimeout(() => done("timeout"), graceMs).unref());
      const code = await Promise.race([c.exited, timeout]);
      return code === "timeout" ? null : code;
    },
    async deleteAll() {
      for (const c of started) {
        await runc("delete", "--force", c.id).catch(() => {});
        if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
