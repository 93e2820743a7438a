import { type BackupConfiguration, parseTaskParams, type TaskParams } from "@kubedump/api";
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

/** What a BackupConfiguration's snapshots hold: the dump's options, the params as given, the zlib level. */
export interface ConfigDumpSpec {
  options: DumpOptions;
  /** The task params as given, as snapshot.json records them (and a journal's scope names them). */
  params: Record<string, string>;
  gzipLevel?: number;
}

/**
 * The dump a BackupConfiguration asks for, as its backups and its recorder take it (the same
 * scope and params, so its snapshots anchor its journal); `errors` name the fields of invalid task params.
 */
export function configDumpSpec(config: BackupConfiguration): ConfigDumpSpec | { errors: string[] } {
  const ns = config.metadata.namespace ?? "default";
  const params = parseTaskParams(config.spec.task?.params);
  if (!params.ok) return { errors: params.errors };
  const ref = config.spec.target?.ref;
  const target = ref ? { ...ref, namespace: ref.namespace ?? (ref.kind === "Namespace" ? undefined : ns) } : undefined;
  return {
    options: dumpOptionsOf(params.value, scopeOf(target, params.value.includeDependants)),
    params: Object.fromEntries((config.spec.task?.params ?? []).map((p) => [p.name, p.value])),
    gzipLevel: params.value.gzipLevel,
  };
}
