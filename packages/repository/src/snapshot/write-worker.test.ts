import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { workerBeside } from "../archive/gzip-thread.js";
import { WorkerRequests } from "../worker-requests.js";
import { noteFailure, STOP_NONE, type WriteBatch, type WriteReply } from "./write-messages.js";

/*
 * Two writing threads (write-worker.js, as download.ts starts them) sharing one download's stop
 * flag: a file that fails on one stops the later batches on the other, never the earlier ones.
 */

let tmp: string;
let threads: WorkerRequests<WriteReply>[];

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-write-worker-test-"));
  const start = () =>
    new WorkerRequests<WriteReply>(
      workerBeside(import.meta.url, "snapshot/write-worker.js"),
      "writing thread",
      (id, reason) => ({ id, written: 0, failure: { kind: "system", message: reason } }),
      () => {},
    );
  threads = [start(), start()];
});

afterEach(async () => {
  for (const thread of threads) thread.post({ type: "end", tree: 1 });
  await rm(tmp, { recursive: true, force: true });
});

/** A batch of download 1 writing `names` (under cluster/namespaces) with `seq` and `stop`. */
function batch(thread: WorkerRequests<WriteReply>, seq: number, stop: Int32Array, names: string[]): WriteBatch {
  const texts = names.map((n) => Buffer.from(`kind: Namespace # ${n}\n`));
  const data = Buffer.concat(texts);
  const starts = new Uint32Array(names.length);
  const ends = new Uint32Array(names.length);
  let at = 0;
  for (const [i, text] of texts.entries()) {
    starts[i] = at;
    at += text.length;
    ends[i] = at;
  }
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer;
  const paths = names.map((n) => `cluster/namespaces/${n}.yaml`);
  return { type: "write", id: thread.newId(), tree: 1, seq, stop, root: tmp, paths, data: buffer, starts, ends };
}

function send(thread: WorkerRequests<WriteReply>, m: WriteBatch): Promise<WriteReply> {
  return thread.request(m, [m.data]);
}

const written = async () => (await readdir(join(tmp, "cluster/namespaces"))).sort();

describe("the writing threads' stop flag", () => {
  it("keeps the earliest failed batch", () => {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    stop[0] = STOP_NONE;
    noteFailure(stop, 7);
    noteFailure(stop, 9);
    expect(stop[0]).toBe(7);
    noteFailure(stop, 3);
    expect(stop[0]).toBe(3);
  });

  it("stops a later batch on the other thread and writes an earlier one whole", async () => {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    stop[0] = STOP_NONE;
    const [a, b] = threads as [WorkerRequests<WriteReply>, WorkerRequests<WriteReply>];

    const failed = await send(a, batch(a, 1, stop, ["b-0", `${"x".repeat(300)}`, "b-2"]));
    expect(failed.written).toBe(1);
    expect(failed.failure).toMatchObject({ kind: "system", code: "ENAMETOOLONG" });
    expect(stop[0]).toBe(1);

    const later = await send(b, batch(b, 2, stop, ["c-0", "c-1"]));
    const earlier = await send(b, batch(b, 0, stop, ["a-0", "a-1"]));

    expect(later).toEqual({ id: later.id, written: 0 });
    expect(earlier).toEqual({ id: earlier.id, written: 2 });
    expect(await written()).toEqual(["a-0.yaml", "a-1.yaml", "b-0.yaml"]);
  });

  it("writes every batch when none fails, on either thread", async () => {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    stop[0] = STOP_NONE;
    const [a, b] = threads as [WorkerRequests<WriteReply>, WorkerRequests<WriteReply>];

    const replies = await Promise.all([
      send(a, batch(a, 0, stop, ["n-0", "n-1"])),
      send(b, batch(b, 1, stop, ["n-2"])),
      send(a, batch(a, 2, stop, ["n-3"])),
    ]);

    expect(replies.map((r) => [r.written, r.failure])).toEqual([
      [2, undefined],
      [1, undefined],
      [1, undefined],
    ]);
    expect(stop[0]).toBe(STOP_NONE);
    expect(await written()).toEqual(["n-0.yaml", "n-1.yaml", "n-2.yaml", "n-3.yaml"]);
  });
});
