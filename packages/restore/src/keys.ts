/** The name of a type in filters, priorities and reports: `resource` (core group) or `resource.group`. */
export function typeKeyOf(type: { group: string; resource: string }): string {
  return type.group ? `${type.resource}.${type.group}` : type.resource;
}

/** `namespace/name`, or `name` for a cluster-scoped object, as reports print it. */
export function objectNameOf(obj: { namespace?: string; name: string }): string {
  return obj.namespace ? `${obj.namespace}/${obj.name}` : obj.name;
}
