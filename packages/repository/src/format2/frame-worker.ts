import { type MessagePort, parentPort } from "node:worker_threads";
import { IntegrityError } from "../errors.js";
import type { DecodeReply, DecodeRequest } from "./frame-messages.js";
import { decodeSlice } from "./frame-thread.js";

/*
 * The frame thread (started by frame-thread.ts): inflates the frames of packs a reader reads
 * whole, and checks each blob it wants of them against its id, off the main thread, which writes
 * the files meanwhile (docs/benchmarks.md, "Session 2026-12-05: f2dl2").
 */

if (!parentPort) throw new Error("frame-worker.js runs only as a worker thread");
const port: MessagePort = parentPort;

port.on("message", (m: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const plain = decodeSlice(m);
    reply = { id: m.id, type: "blobs", plain };
    port.postMessage(reply, [plain]);
  } catch (err) {
    if (err instanceof IntegrityError) reply = { id: m.id, type: "error", key: err.key, reason: err.reason };
    else reply = { id: m.id, type: "error", key: undefined, reason: err instanceof Error ? err.message : String(err) };
    port.postMessage(reply);
  }
});
