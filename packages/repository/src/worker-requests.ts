import type { Transferable, Worker } from "node:worker_threads";
import { startWorker } from "./archive/gzip-thread.js";

/**
 * A worker thread that answers each request with one reply carrying the request's id (the frame
 * thread's decodes, the writing thread's batches), started when made (a thread costs CPU to
 * start: its owner makes one on first use and keeps it). It keeps the process alive only while
 * replies are awaited. If it dies, each awaited reply is `failed(id, reason)`, and `dead` is
 * called, so that its owner starts a new thread for the next request.
 */
export class WorkerRequests<Reply extends { id: number }> {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 1;

  constructor(url: URL, name: string, failed: (id: number, reason: string) => Reply, dead: () => void) {
    this.worker = startWorker(url);
    this.worker.on("message", (reply: Reply) => {
      const done = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.worker.unref();
      done?.(reply);
    });
    const fail = (reason: string) => {
      dead();
      const waiting = [...this.waiting];
      this.waiting.clear();
      for (const [id, done] of waiting) done(failed(id, reason));
    };
    this.worker.on("error", (err) => fail(err.message));
    this.worker.on("exit", (code) => fail(`the ${name} stopped (exit code ${code})`));
    // After the listeners: a "message" listener added to a worker refs it again.
    this.worker.unref();
  }

  /** A number not given before by this thread: a request's id, or another the caller's messages carry. */
  newId(): number {
    return this.nextId++;
  }

  /** Posts `message` (its `id` from newId), transferring `transfer`; resolves with its reply. */
  request(message: { id: number }, transfer: Transferable[]): Promise<Reply> {
    return new Promise((resolve) => {
      this.waiting.set(message.id, resolve);
      if (this.waiting.size === 1) this.worker.ref();
      this.worker.postMessage(message, transfer);
    });
  }

  /** Posts a message that has no reply. */
  post(message: unknown): void {
    this.worker.postMessage(message);
  }
}

/**
 * The process's one WorkerRequests thread of `url`, started on first use (a thread costs CPU to
 * start) and kept; if it dies, the next use starts a new one.
 */
export function threadOnFirstUse<Reply extends { id: number }>(
  url: () => URL,
  name: string,
  failed: (id: number, reason: string) => Reply,
): () => WorkerRequests<Reply> {
  let current: WorkerRequests<Reply> | undefined;
  return () => {
    if (!current) {
      const thread: WorkerRequests<Reply> = new WorkerRequests<Reply>(url(), name, failed, () => {
        if (current === thread) current = undefined;
      });
      current = thread;
    }
    return current;
  };
}
