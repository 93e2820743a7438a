// Containers run with runc, each in a bundle directory, with a state directory of their own (so
// nothing here sees or touches another run's containers) and their output in a log file.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Obj } from "./harness.js";

const run = promisify(execFile);

/**
 * How to call runc: itself as root, through passwordless sudo otherwise (it needs root to make
 * namespaces and mounts); or why it cannot be called.
 */
export async function findRunc(): Promise<{ ok: true; command: string[] } | { ok: false; reason: string }> {
  const command = process.getuid?.() === 0 ? ["runc"] : ["sudo", "-n", "runc"];
  try {
    await run(command[0] as string, [...command.slice(1), "--version"]);
    return { ok: true, command };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return {
      ok: false,
      reason:
        command[0] === "runc" || e.code !== "ENOENT"
          ? `${command.join(" ")} cannot run (${e.message.split("\n")[0]}); scripts/setup.sh installs runc`
          : "runc needs root, and sudo is not installed",
    };
  }
}

export interface Container {
  id: string;
  logFile: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export interface Runc {
  /** Runs a runc command (`exec`, `state`, …) on these containers; resolves to its stdout. */
  run(...args: string[]): Promise<string>;
  /** `runc run` of the config in a new bundle; the container's output goes to `logFile`. */
  start(id: string, config: Obj, logFile: string): Container;
  /** Sends SIGTERM and waits up to `graceMs` for the container to exit. */
  stop(c: Container, graceMs?: number): Promise<number | null>;
  /** `runc delete --force` of every container started here, then their bundles; never throws. */
  deleteAll(): Promise<void>;
}

/** `command`: how findRunc says to call runc. */
export function createRunc(command: string[]): Runc {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-runc-"));
  const state = join(dir, "state");
  const started: Container[] = [];
  const [bin, ...pre] = command as [string, ...string[]];
  const runc = (...args: string[]) => run(bin, [...pre, "--root", state, ...args]);
  return {
    run: async (...args) => (await runc(...args)).stdout,
    start(id, config, logFile) {
      const bundle = join(dir, id);
      mkdirSync(bundle);
      writeFileSync(join(bundle, "config.json"), JSON.stringify(config, null, 2));
      const fd = openSync(logFile, "a");
      let child: ChildProcess;
      try {
        child = spawn(bin, [...pre, "--root", state, "run", "--bundle", bundle, id], { stdio: ["ignore", fd, fd] });
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
      // runc wrote its state as root; the rest is ours.
      if (pre.length) await run(bin, [...pre.slice(0, -1), "rm", "-rf", state]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
