// The soak's service processes: `node services/<name>/dist/main.js`, each incarnation with its own
// log file, so a worker SIGKILLed and started again is two incarnations with two RSS series.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";

/**
 * Starts and stops the services with `env` in common. Every process ever started stays in
 * `incarnations` (label, service, pid, start and end time, log file). A process that exits
 * unasked is started again 2 s later, as a Deployment would.
 */
export function createServiceSet({ root, env, logDir, log }) {
  const incarnations = [];
  const counts = new Map();
  let closing = false;
  mkdirSync(logDir, { recursive: true });

  /** Starts service `name` as `label` (e.g. dump-worker-1); a label started before gets `#2`, `#3`, … */
  function start(name, label = name, extra = {}) {
    const n = (counts.get(label) ?? 0) + 1;
    counts.set(label, n);
    const id = n === 1 ? label : `${label}#${n}`;
    const logFile = join(logDir, `${id.replace("#", "-")}.log`);
    const fd = openSync(logFile, "a");
    let child;
    try {
      child = spawn(process.execPath, [join(root, "services", name, "dist", "main.js")], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/root",
          ...env,
          POD_NAME: `soak-${id}`,
          ...extra,
        },
        stdio: ["ignore", fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    const port = extra.HTTP_PORT ? Number(extra.HTTP_PORT) : undefined;
    const inc = { id, label, service: name, pid: child.pid, port, child, logFile, startedAt: Date.now() };
    inc.exited = new Promise((done) =>
      child.on("exit", (code, signal) => {
        inc.endedAt = Date.now();
        inc.exit = signal ?? code;
        done(inc.exit);
        if (inc.stoppedBy || closing) return;
        // As a Deployment would: started again; unexpectedExits() reports the crash.
        log(`${id} exited on its own (${inc.exit}); starting it again. Its log: ${logFile}`);
        setTimeout(() => closing || start(name, label, extra), 2000);
      }),
    );
    incarnations.push(inc);
    return inc;
  }

  const running = (label) => incarnations.find((i) => i.label === label && i.endedAt === undefined);

  /** Sends `signal` to the running incarnation of `label` and waits until it is gone. */
  async function stop(label, signal = "SIGTERM") {
    const inc = running(label);
    if (!inc) return undefined;
    inc.child.kill(signal);
    inc.stoppedBy = signal;
    await inc.exited;
    return inc;
  }

  /** SIGTERM to every running process; SIGKILL to those still there after `graceMs`. */
  async function stopAll(graceMs = 20_000) {
    closing = true;
    const live = incarnations.filter((i) => i.endedAt === undefined);
    for (const i of live) {
      i.stoppedBy = "SIGTERM";
      i.child.kill("SIGTERM");
    }
    const timer = setTimeout(() => {
      for (const i of live.filter((x) => x.endedAt === undefined)) {
        log(`${i.id} did not stop within ${graceMs / 1000} s of SIGTERM: SIGKILL`);
        i.child.kill("SIGKILL");
      }
    }, graceMs);
    await Promise.all(live.map((i) => i.exited));
    clearTimeout(timer);
  }

  /** Incarnations that ended without being told to: a crash is a finding. */
  const unexpectedExits = () => incarnations.filter((i) => i.endedAt !== undefined && !i.stoppedBy);

  return { incarnations, start, stop, stopAll, running, unexpectedExits };
}
