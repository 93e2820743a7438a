import { type MessagePort, parentPort } from "node:worker_threads";
import { UnsafePathError } from "../errors.js";
import type { ToWriter, WriteFailure, WriteReply } from "./write-messages.js";
import { TreeWriter } from "./write-files.js";

/*
 * The writing thread (started by download.ts): writes a download's files with blocking calls,
 * batch after batch, in the order they came. Once a file of a download fails, no later file of it
 * is written.
 */

if (!parentPort) throw new Error("write-worker.js runs only as a worker thread");
const port: MessagePort = parentPort;
/** Each download's writer (the directories it made); failed: that download wrote its last file. */
const trees = new Map<number, { writer: TreeWriter; failed: boolean }>();

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
  let tree = trees.get(m.tree);
  if (!tree) {
    tree = { writer: new TreeWriter(m.root), failed: false };
    trees.set(m.tree, tree);
  }
  const reply: WriteReply = { id: m.id, written: 0 };
  if (!tree.failed) {
    try {
      for (const [i, path] of m.paths.entries()) {
        const start = m.starts[i] as number;
        tree.writer.write(path, new Uint8Array(m.data, start, (m.ends[i] as number) - start));
        reply.written += 1;
      }
    } catch (err) {
      tree.failed = true;
      reply.failure = failureOf(err);
    }
  }
  port.postMessage(reply);
});
