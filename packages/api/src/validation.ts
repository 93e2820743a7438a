import type { z } from "zod";

/** The outcome of validating input: the parsed value, or every error, each naming its field. */
export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * `["spec", "task", "params", 2, "name"]` → `spec.task.params[2].name`; a key that is no identifier
 * (a label key, an empty one) is quoted: `metadata.labels["kubedump.io/backup-configuration"]`.
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && !IDENTIFIER.test(key)) out += `[${JSON.stringify(key)}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Runs a zod schema and reports its issues as `field.path: message`. */
export function validateWith<S extends z.ZodType>(schema: S, input: unknown): Validation<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: result.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`) };
}
