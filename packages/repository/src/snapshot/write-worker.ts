import { type MessagePort, parentPort } from "node:worker_threads";
import { UnsafePathError } from "../errors.js";
import { noteFailure, type ToWriter, type WriteFailure, type WriteReply } from "./write-messages.js";
import { TreeWriter } from "./write-files.js";

/*
 * A writing thread (download.ts starts WRITING_THREADS of them): writes a download's files with
 * blocking calls, batch after batch, in the order they came. Once a file of a download fails
 * (here or on the other thread), no file of a later batch of it is started.
 */

if (!parentPort) throw new Error("write-worker.js runs only as a worker thread");
const port: MessagePort = parentPort;
/** Each download's writer (the directories this thread made for it). */
const trees = new Map<number, TreeWriter>();

function failureOf(err: unknown): WriteFailure {
  if (err instanceof UnsafePathError) return { kind: "unsafe", path: err.path, reason: err.reason };
  const { message, code, errno, syscall, path } = err as NodeJS.ErrnoException;
  return { kind: "system", message: err instanceof Error ? message : String(err), code, errno, syscall, path };
}

port.on("message", (m: ToWriter) => {
  if (m.type === "end") {
    trees.delete(m.tree);
    return;
  }
  let writer = trees.get(m.tree);
  if (!writer) {
    writer = new TreeWriter(m.root);
    trees.set(m.tree, writer);
  }
  const reply: WriteReply = { id: m.id, written: 0 };
  try {
    for (const [i, path] of m.paths.entries()) {
      if (Atomics.load(m.stop, 0) < m.seq) break; // a file of an earlier batch failed
      const start = m.starts[i] as number;
      writer.write(path, new Uint8Array(m.data, start, (m.ends[i] as number) - start));
      reply.written += 1;
    }
  } catch (err) {
    noteFailure(m.stop, m.seq);
    reply.failure = failureOf(err);
  }
  port.postMessage(reply);
});
