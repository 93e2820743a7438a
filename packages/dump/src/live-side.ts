import { checkTaskParams } from "@kubedump/api";
import { discoverResources, type KubeClient } from "@kubedump/kube";
import type { DiffSide } from "@kubedump/repository";
import type { IndexRecord } from "@kubedump/repository/archive";
import type { SnapshotManifest, SnapshotScope } from "@kubedump/repository/snapshot";
import { TargetNotFoundError } from "./application.js";
import { type DumpProgress, runDump } from "./engine.js";
import { dumpOptionsOf } from "./from-spec.js";
import type { DumpOptions, Scope } from "./options.js";

export interface LiveSideDeps {
  client: KubeClient;
  onProgress?: (p: DumpProgress) => void;
  signal?: AbortSignal;
}

/** The cluster as a side of a diff; `warnings` holds the dump's once its records are read. */
export interface LiveSide extends DiffSide {
  readonly warnings: string[];
}

/** A snapshot's manifest did not say how to dump the cluster again (a forged or foreign snapshot.json). */
export class SnapshotScopeError extends Error {
  override readonly name = "SnapshotScopeError";
}

/** `<Kind>[.<group>]/[<namespace>/]<name>`, as describeScope writes an application's target. */
const TARGET = /^([A-Z][A-Za-z0-9]*)(?:\.([a-z0-9.-]+))?\/(?:([^/]+)\/)?([^/]+)$/;

async function scopeOfSnapshot(client: KubeClient, id: string, scope: SnapshotScope): Promise<Scope> {
  if (scope.type === "cluster") return { type: "cluster" };
  if (scope.type === "namespace" && scope.namespace) return { type: "namespace", namespace: scope.namespace };
  const match = scope.type === "application" ? TARGET.exec(scope.target ?? "") : null;
  if (!match) throw new SnapshotScopeError(`snapshot ${id}: scope ${JSON.stringify(scope)} names no target to dump`);
  const [, kind = "", group = "", namespace, name = ""] = match;
  // The manifest keeps the target's group, not its version: the cluster's preferred one stands in.
  const { resources } = await discoverResources(client);
  const rt = resources.find((r) => r.group === group && r.kind === kind);
  const apiVersion = group ? `${group}/${rt?.version ?? "v1"}` : (rt?.version ?? "v1");
  return {
    type: "application",
    target: namespace === undefined ? { apiVersion, kind, name } : { apiVersion, kind, name, namespace },
    includeDependants: false,
  };
}

/**
 * The dump options a snapshot was taken with: its scope and its recorded task params, so a dump
 * now holds what a backup now would (same filters, same sanitizing, byte-identical YAML for an
 * unchanged object).
 */
export async function dumpOptionsOfSnapshot(client: KubeClient, manifest: SnapshotManifest): Promise<DumpOptions> {
  const list = Object.entries(manifest.params).map(([name, value]) => ({ name, value }));
  const { value, issues } = checkTaskParams(list);
  if (issues.length)
    throw new SnapshotScopeError(`snapshot ${manifest.id}: params: ${issues.map((i) => i.message).join("; ")}`);
  const scope = await scopeOfSnapshot(client, manifest.id, manifest.scope);
  if (scope.type === "application") scope.includeDependants = value.includeDependants;
  return dumpOptionsOf(value, scope);
}

/**
 * The cluster as it is now, dumped with a snapshot's scope and params (dumpOptionsOfSnapshot) when
 * its records are read, as the `after` side of a diff against that snapshot. Only the YAML of
 * objects whose sha256 differs from the other side's (`known`) is kept in memory.
 */
export function liveSide(deps: LiveSideDeps, manifest: SnapshotManifest, label = "live"): LiveSide {
  const yaml = new Map<string, Buffer>();
  const warnings: string[] = [];
  return {
    label,
    warnings,
    async *records(known?: ReadonlyMap<string, IndexRecord>) {
      const options = await dumpOptionsOfSnapshot(deps.client, manifest);
      const records: IndexRecord[] = [];
      const sink = {
        async addObjects(entries: readonly { path: string; data: Buffer }[]) {
          for (const { path, data } of entries) yaml.set(path, data);
          return entries.map(() => 0);
        },
        async addRecords(page: readonly IndexRecord[]) {
          for (const record of page) {
            if (known?.get(record.path)?.sha256 === record.sha256) yaml.delete(record.path);
            records.push(record);
          }
        },
      };
      try {
        const dumpDeps = { client: deps.client, sink, onProgress: deps.onProgress, signal: deps.signal };
        warnings.push(...(await runDump(dumpDeps, options)).warnings);
      } catch (err) {
        // The namespace or application is gone: none of its objects is in the cluster now.
        if (!(err instanceof TargetNotFoundError)) throw err;
        warnings.push(`${err.message}: every object of the snapshot counts as removed`);
        return;
      }
      yield* records;
    },
    async read(records) {
      const out = new Map<string, Buffer>();
      for (const { path } of records) {
        const data = yaml.get(path);
        if (!data) throw new Error(`${label}: ${path} was not dumped, or not kept`);
        out.set(path, data);
      }
      return out;
    },
  };
}
