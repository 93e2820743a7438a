import { checkTaskParams, type TaskParam } from "@kubedump/api";
import { type DumpOptions, dumpOptionsOf, type Scope } from "@kubedump/dump";
import { parseTarget, UsageError } from "./target.js";

/** The `backup` flags that map one-to-one onto BackupConfiguration task params. */
export interface FilterFlags {
  selector?: string;
  orSelector?: string[];
  includeNamespaces?: string;
  excludeNamespaces?: string;
  includeResources?: string;
  excludeResources?: string;
  ignoreGroupKinds?: string;
  includeClusterResources?: string;
  includeEvents?: boolean;
  includeDependants?: boolean;
  sanitize?: string;
  namespace?: string;
  target?: string;
  pageSize?: string;
  gzipLevel?: string;
}

const FLAG_OF_PARAM: Record<string, string> = {
  labelSelector: "--selector",
  orLabelSelectors: "--or-selector",
  includeNamespaces: "--include-namespaces",
  excludeNamespaces: "--exclude-namespaces",
  includeResources: "--include-resources",
  excludeResources: "--exclude-resources",
  ignoreGroupKinds: "--ignore-group-kinds",
  includeClusterResources: "--include-cluster-resources",
  includeEvents: "--include-events",
  includeDependants: "--include-dependants",
  sanitize: "--sanitize",
  gzipLevel: "--gzip-level",
};

/** Flags → task params (recorded in the snapshot) → validated dump options, errors naming the flag. */
export function dumpOptionsFromFlags(flags: FilterFlags): {
  options: DumpOptions;
  params: Record<string, string>;
  gzipLevel: number;
} {
  const raw: Record<string, string | undefined> = {
    labelSelector: flags.selector,
    orLabelSelectors: flags.orSelector?.length ? flags.orSelector.join(";") : undefined,
    includeNamespaces: flags.includeNamespaces,
    excludeNamespaces: flags.excludeNamespaces,
    includeResources: flags.includeResources,
    excludeResources: flags.excludeResources,
    ignoreGroupKinds: flags.ignoreGroupKinds,
    includeClusterResources: flags.includeClusterResources,
    includeEvents: flags.includeEvents ? "true" : undefined,
    includeDependants: flags.includeDependants ? "true" : undefined,
    sanitize: flags.sanitize,
    gzipLevel: flags.gzipLevel,
  };
  const list: TaskParam[] = Object.entries(raw).flatMap(([name, value]) =>
    value === undefined ? [] : [{ name, value }],
  );
  const { value, issues } = checkTaskParams(list);
  if (issues.length) {
    throw new UsageError(issues.map((i) => `${FLAG_OF_PARAM[list[i.index]!.name]}: ${i.message}`).join("\n"));
  }
  if (flags.namespace && flags.target) throw new UsageError("--namespace and --target exclude each other");
  if (flags.includeDependants && !flags.target) throw new UsageError("--include-dependants needs --target");
  let scope: Scope = { type: "cluster" };
  if (flags.namespace) scope = { type: "namespace", namespace: flags.namespace };
  if (flags.target)
    scope = { type: "application", target: parseTarget(flags.target), includeDependants: value.includeDependants };
  const pageSize = flags.pageSize === undefined ? undefined : Number(flags.pageSize);
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1))
    throw new UsageError(`--page-size "${flags.pageSize}": a positive whole number`);
  const params = Object.fromEntries(list.map((p) => [p.name, p.value]));
  return { options: dumpOptionsOf(value, scope, pageSize), params, gzipLevel: value.gzipLevel };
}
