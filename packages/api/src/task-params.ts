import { labelSelectorError } from "./label-selector.js";
import type { Validation } from "./validation.js";

/** One `spec.task.params` entry, as written in the BackupConfiguration. */
export interface TaskParam {
  name: string;
  value: string;
}

/** The task params after parsing, with defaults filled in; fits the dump engine's options. */
export interface TaskParams {
  sanitize: boolean;
  labelSelector?: string;
  orLabelSelectors: string[];
  includeDependants: boolean;
  /** `Kind` (core) or `Kind.group`; `*` and `?` globs allowed. */
  ignoreGroupKinds: string[];
  /** Namespace globs; empty means every namespace. */
  includeNamespaces: string[];
  excludeNamespaces: string[];
  /** `resource` (core) or `resource.group`; `*` and `?` globs allowed; empty means all. */
  includeResources: string[];
  excludeResources: string[];
  includeClusterResources: boolean | "auto";
  includeEvents: boolean;
  /** zlib level of the snapshot's parts and index, 0–9. */
  gzipLevel: number;
}

type Parsed<T> = { value: T } | { error: string };

export interface TaskParamSpec<T> {
  description: string;
  /** The accepted values when they are a fixed set (also checked by the API server). */
  values?: readonly string[];
  default: T;
  parse(value: string): Parsed<T>;
}

const BOOLEAN = ["true", "false"] as const;

function boolean(description: string, fallback: boolean): TaskParamSpec<boolean> {
  return {
    description: `${description} (true|false, default ${fallback})`,
    values: BOOLEAN,
    default: fallback,
    parse: (v) => (v === "true" || v === "false" ? { value: v === "true" } : { error: 'must be "true" or "false"' }),
  };
}

function list(description: string, item: RegExp, itemName: string): TaskParamSpec<string[]> {
  return {
    description: `${description} (comma-separated ${itemName}s; * and ? globs allowed)`,
    default: [],
    parse(v) {
      const items = v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = items.find((s) => !item.test(s));
      return bad === undefined ? { value: items } : { error: `"${bad}" is not a ${itemName}` };
    },
  };
}

/** A namespace glob, a `resource[.group]` glob and a `Kind[.group]` glob, as the filters take them. */
export const NAMESPACE_GLOB = /^[-a-z0-9*?]{1,63}$/;
export const RESOURCE_GLOB = /^[a-z0-9*?]([-a-z0-9*?]*)(\.[a-z0-9*?]([-a-z0-9*?]*))*$/;
export const GROUP_KIND_GLOB = /^[A-Za-z0-9*?]+(\.[a-z0-9*?]([-a-z0-9*?]*))*$/;

/** Every param the kubedump-backup task knows, with its description, default and parser. */
export const TASK_PARAMS: { readonly [K in keyof Required<TaskParams>]: TaskParamSpec<TaskParams[K]> } = {
  sanitize: boolean("Strip what the server set: status, uid, resourceVersion, managedFields, …", true),
  labelSelector: {
    description: "Back up only objects matching this label selector, e.g. app=web,tier!=cache",
    default: undefined,
    parse(v) {
      const selector = v.trim();
      if (selector === "") return { value: undefined };
      const error = labelSelectorError(selector);
      return error ? { error } : { value: selector };
    },
  },
  orLabelSelectors: {
    description: "Back up objects matching any one of these label selectors, separated by ; (ANDed with labelSelector)",
    default: [],
    parse(v) {
      const selectors = v
        .split(";")
        .map((s) => s.trim())
        .filter(Boolean);
      for (const selector of selectors) {
        const error = labelSelectorError(selector);
        if (error) return { error };
      }
      return { value: selectors };
    },
  },
  includeDependants: boolean("For an application target: also every object it owns, recursively", false),
  ignoreGroupKinds: list("Kinds never backed up", GROUP_KIND_GLOB, "Kind.group"),
  includeNamespaces: list("Back up only these namespaces", NAMESPACE_GLOB, "namespace"),
  excludeNamespaces: list("Never back up these namespaces", NAMESPACE_GLOB, "namespace"),
  includeResources: list("Back up only these resources", RESOURCE_GLOB, "resource.group"),
  excludeResources: list("Never back up these resources", RESOURCE_GLOB, "resource.group"),
  includeClusterResources: {
    description:
      "Back up cluster-scoped objects (true|false|auto, default auto: only in a cluster backup without includeNamespaces)",
    values: ["true", "false", "auto"],
    default: "auto",
    parse(v) {
      if (v === "auto") return { value: "auto" };
      if (v === "true" || v === "false") return { value: v === "true" };
      return { error: 'must be "true", "false" or "auto"' };
    },
  },
  includeEvents: boolean("Back up Events too", false),
  gzipLevel: {
    description:
      "gzip level of the snapshot's archive parts and index, or of a format-2 repository's frames (0-9, default 1: " +
      "the fastest; 6 stores about 15% less " +
      "for about three times the compression CPU; 0 stores uncompressed gzip)",
    values: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    default: 1,
    parse: (v) => (/^[0-9]$/.test(v) ? { value: Number(v) } : { error: "must be a whole number from 0 to 9" }),
  },
};

export type TaskParamName = keyof typeof TASK_PARAMS;

const NAMES = Object.keys(TASK_PARAMS) as TaskParamName[];

/** The params of a BackupConfiguration that sets none. */
export const DEFAULT_TASK_PARAMS: Readonly<TaskParams> = Object.fromEntries(
  NAMES.map((name) => [name, TASK_PARAMS[name].default]),
) as unknown as TaskParams;

export interface TaskParamIssue {
  index: number;
  field: "name" | "value";
  message: string;
}

/** Parses what it can and lists every problem; the zod schema reports these issues too. */
export function checkTaskParams(params: readonly TaskParam[]): { value: TaskParams; issues: TaskParamIssue[] } {
  const value: TaskParams = structuredClone(DEFAULT_TASK_PARAMS);
  const issues: TaskParamIssue[] = [];
  const seen = new Map<string, number>();
  params.forEach((param, index) => {
    const first = seen.get(param.name);
    if (first !== undefined) {
      issues.push({ index, field: "name", message: `duplicate param "${param.name}" (first at index ${first})` });
      return;
    }
    seen.set(param.name, index);
    if (!isTaskParamName(param.name)) {
      issues.push({ index, field: "name", message: `unknown param "${param.name}" (known: ${NAMES.join(", ")})` });
      return;
    }
    const error = assign(value, param.name, param.value);
    if (error) issues.push({ index, field: "value", message: `${param.name}: ${error}` });
  });
  return { value, issues };
}

/**
 * Parses `spec.task.params` into typed values with defaults filled in, or lists every error,
 * each naming its field, e.g. `spec.task.params[2].name: unknown param "foo" (known: …)`.
 */
export function parseTaskParams(
  params: readonly TaskParam[] | undefined,
  path = "spec.task.params",
): Validation<TaskParams> {
  const { value, issues } = checkTaskParams(params ?? []);
  if (issues.length === 0) return { ok: true, value };
  return { ok: false, errors: issues.map((i) => `${path}[${i.index}].${i.field}: ${i.message}`) };
}

function isTaskParamName(name: string): name is TaskParamName {
  return Object.hasOwn(TASK_PARAMS, name);
}

function assign<K extends TaskParamName>(out: TaskParams, name: K, raw: string): string | undefined {
  const parsed = TASK_PARAMS[name].parse(raw);
  if ("error" in parsed) return parsed.error;
  out[name] = parsed.value;
  return undefined;
}
