import { setFlagsFromString } from "node:v8";

/**
 * V8 settings of a process that restores (the CLI, the dump worker). A restore holds the index
 * records of its snapshot for the whole run and turns over every object's YAML, copies and
 * request bodies meanwhile. By default V8 lets the old generation grow to several times what
 * survived its last full collection before it collects again, so that garbage, not the records,
 * made the peak RSS; a growing factor of 1.5 collects sooner, at a CPU cost the restore
 * measurements could not tell from noise.
 */
export const RESTORE_V8_FLAGS = ["--heap-growing-percent=50"] as const;

let applied = false;

/** Applies RESTORE_V8_FLAGS to this process, once; for the main module of a kubedump process, not for libraries. */
export function tuneV8ForRestores(): void {
  if (applied) return;
  applied = true;
  for (const flag of RESTORE_V8_FLAGS) setFlagsFromString(flag);
}
