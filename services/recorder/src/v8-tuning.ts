import { setFlagsFromString } from "node:v8";

/**
 * Sets V8's heap growing factor of this process to 1 + `percent` / 100 (0: V8's own, up to 4).
 * The recorder's live set is small (per object a row of its table) while every change turns over
 * its object, its YAML and the flush's frames; with V8's own factor the old generation grew to
 * several times the live set between full collections. A GC flag, read whenever V8 sets its next
 * limit, so it may be set after start (NODE_OPTIONS refuses it); for the main module only.
 */
export function tuneV8ForRecorder(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
