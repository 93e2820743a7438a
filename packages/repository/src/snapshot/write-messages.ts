/*
 * Messages between writeTree (download.ts) and the writing thread (write-worker.ts): a batch of a
 * download's files goes there as their paths and their bytes in one transferred buffer, and comes back as how many were written, and the failure that stopped them.
 */

/** A batch of files of download `tree`, to be written below `root`: file i is `paths[i]`, its bytes data[starts[i], ends[i]). */
export interface WriteBatch {
  type: "write";
  id: number;
  tree: number;
  root: string;
  paths: string[];
  data: ArrayBuffer;
  starts: Uint32Array;
  ends: Uint32Array;
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
 * and the rest were not tried. A batch of a download that failed before is not tried (`written` 0,
 * and no failure: the one before told it).
 */
export interface WriteReply {
  id: number;
  written: number;
  failure?: WriteFailure;
}
