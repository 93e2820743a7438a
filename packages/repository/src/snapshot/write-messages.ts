/*
 * Messages between writeTree (download.ts) and the writing thread (write-worker.ts): a batch of a
 * download's files goes there as their paths and their bytes in one transferred buffer, and comes back as how many were written, and the failure that stopped them.
 */

/**
 * A batch of files of download `tree`, to be written below `root`: file i is `paths[i]`, its bytes
 * data[starts[i], ends[i]). `seq` is its place among the download's batches (0, 1, ...), and
 * `stop[0]` (shared by the writing threads) the `seq` of the first batch of the download a file of
 * which failed (STOP_NONE while none has): no file of a later batch is started once it is set.
 */
export interface WriteBatch {
  type: "write";
  id: number;
  tree: number;
  seq: number;
  stop: Int32Array;
  root: string;
  paths: string[];
  data: ArrayBuffer;
  starts: Uint32Array;
  ends: Uint32Array;
}

/** `stop[0]` while no file of the download has failed. */
export const STOP_NONE = 0x7fffffff;

/** Notes in `stop` that a file of batch `seq` failed, unless one of an earlier batch did. */
export function noteFailure(stop: Int32Array, seq: number): void {
  for (let now = Atomics.load(stop, 0); seq < now; ) {
    const was = Atomics.compareExchange(stop, 0, now, seq);
    if (was === now) return;
    now = was;
  }
}

/** Download `tree` is over: the thread lets go of what it knew of it (the directories it made). */
export interface EndTree {
  type: "end";
  tree: number;
}

export type ToWriter = WriteBatch | EndTree;

/** What stopped a batch: an unsafe path (UnsafePathError), or a system call's error as Node gives it. */
export type WriteFailure =
  | { kind: "unsafe"; path: string; reason: string }
  | { kind: "system"; message: string; code?: string; errno?: number; syscall?: string; path?: string };

/**
 * Batch `id`: its first `written` files were written; when `failure` is there, the next one failed,
 * and the rest were not tried. The files of a batch after one whose file failed are not tried
 * (`written` tells how many were before that was known, and no failure: that batch tells it).
 */
export interface WriteReply {
  id: number;
  written: number;
  failure?: WriteFailure;
}
