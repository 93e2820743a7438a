import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { threadOnFirstUse } from "./worker-requests.js";

/*
 * WorkerRequests with a worker of the test's own: it answers `{ id, n }` with `{ id, twice }`,
 * holds the answer to a request marked `hold` till the next request has been answered (replies
 * out of order), and exits with code 3 when asked to.
 */
const WORKER = `
import { parentPort } from "node:worker_threads";
let held;
parentPort.on("message", (m) => {
  if (m.exit) process.exit(3);
  if (m.hold) { held = m; return; }
  parentPort.postMessage({ id: m.id, twice: m.n * 2 });
  if (held) parentPort.postMessage({ id: held.id, twice: held.n * 2 });
  held = undefined;
});
`;

interface Reply {
  id: number;
  twice?: number;
  failed?: string;
}

let dir: string;
let url: URL;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubedump-worker-requests-"));
  await writeFile(join(dir, "worker.mjs"), WORKER);
  url = pathToFileURL(join(dir, "worker.mjs"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("WorkerRequests", () => {
  it("gives each request its own reply, whatever order the replies come in", async () => {
    const thread = threadOnFirstUse<Reply>(
      () => url,
      "test thread",
      (id, failed) => ({ id, failed }),
    )();
    const first = { id: thread.newId(), n: 5, hold: true };
    const second = { id: thread.newId(), n: 7 };

    const replies = await Promise.all([thread.request(first, []), thread.request(second, [])]);

    expect(replies).toEqual([
      { id: first.id, twice: 10 },
      { id: second.id, twice: 14 },
    ]);
  });

  it("fails the replies awaited when the thread dies, and the next use starts a new thread", async () => {
    const get = threadOnFirstUse<Reply>(
      () => url,
      "test thread",
      (id, failed) => ({ id, failed }),
    );
    const dying = get();
    expect(get()).toBe(dying); // one thread, kept
    const waiting = dying.request({ id: dying.newId(), n: 1, hold: true } as { id: number }, []);

    dying.post({ exit: true });

    expect(await waiting).toEqual({ id: 1, failed: "the test thread stopped (exit code 3)" });
    const next = get();
    expect(next).not.toBe(dying);
    expect(await next.request({ id: next.newId(), n: 4 } as { id: number }, [])).toEqual({ id: 1, twice: 8 });
  });

  it("does not keep the process alive once no reply is awaited", () => {
    // a process that makes one request and then has nothing to do ends by itself
    const script = `
      const { threadOnFirstUse } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, "../dist/worker-requests.js")).href)});
      const thread = threadOnFirstUse(() => new URL(${JSON.stringify(url.href)}), "t", (id) => ({ id }))();
      const reply = await thread.request({ id: thread.newId(), n: 21 }, []);
      console.log(reply.twice);
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 20_000 });
    expect(out.toString().trim()).toBe("42");
  });

  it("does not keep the process alive when it was started and never asked anything", () => {
    // a download starts the frame thread and both writing threads at once; a small one uses
    // neither the frame thread nor the second writing thread, and must still end
    const script = `
      const { threadOnFirstUse } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, "../dist/worker-requests.js")).href)});
      threadOnFirstUse(() => new URL(${JSON.stringify(url.href)}), "t", (id) => ({ id }))();
      console.log("started");
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 10_000 });
    expect(out.toString().trim()).toBe("started");
  });
});
