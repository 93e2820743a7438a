import { z } from "zod";

/** A CEL rule the API server checks (`x-kubernetes-validations`). */
export interface CelValidation {
  rule: string;
  message: string;
  /** The field the error names, relative to the node carrying the rule, e.g. `.storageSecretName`. */
  fieldPath?: string;
}

/** What a zod schema cannot say but a CRD schema should. */
export interface CrdExtensions {
  validations?: CelValidation[];
  listType?: "atomic" | "set" | "map";
  listMapKeys?: string[];
}

/** Read by the CRD generator next to zod's own metadata (descriptions). */
export const crdExtensions = z.registry<CrdExtensions>();

export interface Rule<T> {
  /** The same rule for zod, run by validate*() and by the services. */
  holds: (value: T) => boolean;
  /** The same rule in CEL, run by the API server. */
  cel: string;
  message: string;
  /** The child field the error is about; omitted: the node itself. */
  field?: string;
}

/**
 * Adds a cross-field rule once for both checkers: a zod refinement and a CEL validation on the
 * CRD schema, with the same message and the same field path.
 */
export function withRule<T extends z.ZodType>(schema: T, rule: Rule<z.output<T>>): T {
  const refined = schema.refine(rule.holds, {
    message: rule.message,
    ...(rule.field ? { path: [rule.field] } : {}),
  });
  const existing = crdExtensions.get(refined);
  const validation: CelValidation = {
    rule: rule.cel,
    message: rule.message,
    ...(rule.field ? { fieldPath: `.${rule.field}` } : {}),
  };
  crdExtensions.add(refined as z.ZodType, { ...existing, validations: [...(existing?.validations ?? []), validation] });
  return refined;
}

/** Marks an array as a map keyed by the given fields: the API server rejects duplicate keys. */
export function asListMap<T extends z.ZodArray>(schema: T, keys: string[]): T {
  crdExtensions.add(schema as z.ZodType, { ...crdExtensions.get(schema), listType: "map", listMapKeys: keys });
  return schema;
}
