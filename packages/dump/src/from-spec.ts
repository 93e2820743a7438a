import type { TaskParams } from "@kubedump/api";
import type { DumpOptions, Scope, TargetRef } from "./options.js";

/** No target: the cluster; a Namespace: that namespace; anything else: that application. */
export function scopeOf(target: TargetRef | undefined, includeDependants: boolean): Scope {
  if (!target) return { type: "cluster" };
  if (target.kind === "Namespace" && target.apiVersion === "v1") return { type: "namespace", namespace: target.name };
  return { type: "application", target, includeDependants };
}

/** Parsed task params (BackupConfiguration or CLI flags) and a scope → the engine's options. */
export function dumpOptionsOf(params: TaskParams, scope: Scope, pageSize?: number): DumpOptions {
  const { includeDependants: _d, gzipLevel: _g, ...filters } = params;
  return { ...filters, scope, pageSize };
}
