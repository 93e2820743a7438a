import { UnknownResourceError } from "@kubedump/dump";
import {
  type ExistingResourcePolicy,
  NamespaceMappingError,
  parseNamespaceMappings,
  type RestoreFilters,
  type RestoreOptions,
} from "@kubedump/restore";
import { type FilterFlags, dumpOptionsFromFlags } from "./options.js";
import { UsageError } from "./target.js";

/** The `restore` flags that shape what is restored and how. */
export interface RestoreFlags
  extends Pick<
    FilterFlags,
    | "selector"
    | "orSelector"
    | "includeNamespaces"
    | "excludeNamespaces"
    | "includeResources"
    | "excludeResources"
    | "ignoreGroupKinds"
  > {
  namespaceMappings?: string;
  existingResourcePolicy?: string;
  dryRun?: boolean;
  skipOwned?: boolean;
  restoreStatus?: string;
}

const POLICIES: readonly ExistingResourcePolicy[] = ["none", "update"];
/** `resource` or `resource.group`, lowercase as the API server names them. */
const TYPE_KEY = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Flags → RestoreOptions; every error a UsageError naming the flag. */
export function restoreOptionsFromFlags(flags: RestoreFlags): RestoreOptions {
  const { options } = dumpOptionsFromFlags({
    selector: flags.selector,
    orSelector: flags.orSelector,
    includeNamespaces: flags.includeNamespaces,
    excludeNamespaces: flags.excludeNamespaces,
    includeResources: flags.includeResources,
    excludeResources: flags.excludeResources,
    ignoreGroupKinds: flags.ignoreGroupKinds,
  });
  const { scope: _scope, sanitize: _sanitize, pageSize: _pageSize, includeEvents: _events, ...filters } = options;
  const policy = flags.existingResourcePolicy ?? "none";
  if (!POLICIES.includes(policy as ExistingResourcePolicy))
    throw new UsageError(`--existing-resource-policy "${policy}": none or update`);
  const result: RestoreOptions = {
    filters: filters satisfies RestoreFilters,
    existingResourcePolicy: policy as ExistingResourcePolicy,
    dryRun: flags.dryRun === true,
    skipOwned: flags.skipOwned === true,
  };
  if (flags.namespaceMappings !== undefined) result.namespaceMappings = mappings(flags.namespaceMappings);
  if (flags.restoreStatus !== undefined) result.restoreStatus = typeKeys(flags.restoreStatus);
  return result;
}

function mappings(value: string) {
  try {
    return parseNamespaceMappings(value, "--namespace-mappings");
  } catch (err) {
    if (err instanceof NamespaceMappingError) throw new UsageError(err.message);
    throw err;
  }
}

function typeKeys(value: string): string[] {
  const names = value.split(",").map((n) => n.trim());
  const bad = names.filter((n) => !TYPE_KEY.test(n));
  if (bad.length)
    throw new UsageError(
      `--restore-status: ${bad.map((n) => `"${n}"`).join(", ")} is not resource[.group] (e.g. widgets.example.com)`,
    );
  return names;
}

const FLAG_OF_FIELD: Record<string, string> = {
  restoreStatus: "--restore-status",
  includeResources: "--include-resources",
  excludeResources: "--exclude-resources",
  ignoreGroupKinds: "--ignore-group-kinds",
};

/**
 * The engine names the option (`restoreStatus: …`) where a type is unknown to the snapshot and the
 * cluster; the CLI names the flag.
 */
export function namingTheFlag(err: unknown): unknown {
  if (!(err instanceof UnknownResourceError)) return err;
  const field = /^(\w+):/.exec(err.message)?.[1];
  const flag = field === undefined ? undefined : FLAG_OF_FIELD[field];
  return flag === undefined ? err : new UsageError(`${flag}${err.message.slice(field!.length)}`);
}
