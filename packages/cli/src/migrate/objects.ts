import { GROUP } from "@kubedump/api";
import type { Obj } from "./stash-input.js";

/** On every object a migration writes: the Stash object it came from. */
export const MIGRATED_FROM_ANNOTATION = `${GROUP}/migrated-from`;

const DROPPED_ANNOTATIONS = new Set(["kubectl.kubernetes.io/last-applied-configuration"]);

export type Fields = Record<string, unknown>;

export function isRecord(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The string at `value`, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function namespaceOf(obj: Obj): string | undefined {
  return str(obj.metadata?.namespace);
}

/** `ns/name`, or `name` without a namespace. */
export function qualified(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

/**
 * Metadata of a written object: its name and namespace, the source's labels and annotations (but
 * kubectl's last-applied copy of the Stash object), and the migrated-from annotation.
 */
export function migratedMetadata(source: Obj, name: string, namespace: string | undefined): Fields {
  const meta: Fields = { name };
  if (namespace !== undefined) meta.namespace = namespace;
  const labels = stringMap(source.metadata?.labels);
  if (Object.keys(labels).length > 0) meta.labels = labels;
  const annotations = Object.fromEntries(
    Object.entries(stringMap(source.metadata?.annotations)).filter(([key]) => !DROPPED_ANNOTATIONS.has(key)),
  );
  annotations[MIGRATED_FROM_ANNOTATION] =
    `${String(source.apiVersion)} ${String(source.kind)} ${qualified(namespaceOf(source), String(source.metadata?.name))}`;
  meta.annotations = annotations;
  return meta;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** The keys of `spec` that `handled` does not list, for reporting what was not carried. */
export function otherKeys(spec: Fields, handled: readonly string[]): string[] {
  return Object.keys(spec).filter((key) => !handled.includes(key));
}
