import { z } from "zod";
import { type CelValidation, type CrdExtensions, crdExtensions } from "./crd-extensions.js";

/** The part of apiextensions.k8s.io/v1 JSONSchemaProps the generator writes. */
export interface JSONSchemaProps {
  description?: string;
  type: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  enum?: string[];
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minItems?: number;
  maxItems?: number;
  items?: JSONSchemaProps;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: CelValidation[];
}

/** A zod schema the generator cannot turn into a structural CRD schema; names the field. */
export class CrdSchemaError extends Error {
  override name = "CrdSchemaError";
}

interface Unwrapped {
  node: z.ZodType;
  optional: boolean;
  description?: string;
  default?: unknown;
  extensions?: CrdExtensions;
}

/** Peels optional/default wrappers, collecting what they carry (the outermost description wins). */
function unwrap(schema: z.ZodType): Unwrapped {
  const out: Unwrapped = { node: schema, optional: false };
  for (;;) {
    const node = out.node;
    out.description ??= z.globalRegistry.get(node)?.description;
    out.extensions ??= crdExtensions.get(node);
    if (node instanceof z.ZodOptional) {
      out.optional = true;
      out.node = node.unwrap() as z.ZodType;
    } else if (node instanceof z.ZodDefault) {
      out.optional = true;
      out.default ??= node._zod.def.defaultValue;
      out.node = node.unwrap() as z.ZodType;
    } else {
      return out;
    }
  }
}

/**
 * Turns a zod schema into a structural OpenAPI v3 schema for a CRD: a type on every node, no
 * free-form objects, and a description on every field (a missing one is an error, so that
 * `kubectl explain` is always useful). Refinements become CEL rules only through withRule.
 */
export function toOpenApiSchema(schema: z.ZodType, path: string, isItem = false): JSONSchemaProps {
  const u = unwrap(schema);
  if (u.description === undefined && !isItem) throw new CrdSchemaError(`${path}: no description`);
  const out = { ...(u.description === undefined ? {} : { description: u.description }), ...typed(u.node, path) };
  if (u.default !== undefined) out.default = u.default;
  Object.assign(out, checks(u.node, path, out.type));
  if (u.node instanceof z.ZodArray) out.items = toOpenApiSchema(u.node.element as z.ZodType, `${path}[]`, true);
  if (u.node instanceof z.ZodObject) Object.assign(out, objectProperties(u.node, path));
  if (u.extensions?.listType) out["x-kubernetes-list-type"] = u.extensions.listType;
  if (u.extensions?.listMapKeys) out["x-kubernetes-list-map-keys"] = u.extensions.listMapKeys;
  if (u.extensions?.validations?.length) out["x-kubernetes-validations"] = u.extensions.validations;
  return out;
}

function typed(node: z.ZodType, path: string): JSONSchemaProps {
  if (node instanceof z.ZodISODateTime) return { type: "string", format: "date-time" };
  if (node instanceof z.ZodString) return { type: "string" };
  if (node instanceof z.ZodNumber) return { type: node.isInt ? "integer" : "number" };
  if (node instanceof z.ZodBoolean) return { type: "boolean" };
  if (node instanceof z.ZodArray) return { type: "array" };
  if (node instanceof z.ZodObject) return { type: "object" };
  if (node instanceof z.ZodEnum) {
    const values = node.options;
    if (values.every((v): v is string => typeof v === "string")) return { type: "string", enum: values };
  }
  throw new CrdSchemaError(`${path}: zod type "${node._zod.def.type}" has no structural CRD equivalent`);
}

function objectProperties(node: z.ZodObject, path: string): Partial<JSONSchemaProps> {
  if (node._zod.def.catchall && !(node._zod.def.catchall instanceof z.ZodNever)) {
    throw new CrdSchemaError(`${path}: free-form objects (loose or catchall) are not allowed`);
  }
  const properties: Record<string, JSONSchemaProps> = {};
  const required: string[] = [];
  for (const [key, child] of Object.entries(node.shape)) {
    properties[key] = toOpenApiSchema(child as z.ZodType, `${path}.${key}`);
    if (!unwrap(child as z.ZodType).optional) required.push(key);
  }
  return required.length ? { properties, required } : { properties };
}

/** Maps zod checks to OpenAPI keywords; custom refinements are skipped (zod-only). */
function checks(node: z.ZodType, path: string, type: JSONSchemaProps["type"]): Partial<JSONSchemaProps> {
  const out: Partial<JSONSchemaProps> = {};
  const [min, max] = type === "array" ? (["minItems", "maxItems"] as const) : (["minLength", "maxLength"] as const);
  for (const check of node._zod.def.checks ?? []) {
    const def = check._zod.def;
    switch (def.check) {
      case "custom":
        break;
      case "min_length":
        out[min] = (def as z.core.$ZodCheckMinLengthDef).minimum;
        break;
      case "max_length":
        out[max] = (def as z.core.$ZodCheckMaxLengthDef).maximum;
        break;
      case "greater_than": {
        const { value, inclusive } = def as z.core.$ZodCheckGreaterThanDef;
        out.minimum = Number(value);
        if (!inclusive) out.exclusiveMinimum = true;
        break;
      }
      case "less_than": {
        const { value, inclusive } = def as z.core.$ZodCheckLessThanDef;
        out.maximum = Number(value);
        if (!inclusive) out.exclusiveMaximum = true;
        break;
      }
      case "string_format": {
        const { format, pattern } = def as z.core.$ZodCheckStringFormatDef;
        if (format !== "regex" || !pattern || pattern.flags !== "") {
          throw new CrdSchemaError(
            `${path}: string format "${format}" (flags "${pattern?.flags}") has no CRD equivalent`,
          );
        }
        if (out.pattern) throw new CrdSchemaError(`${path}: more than one pattern`);
        out.pattern = pattern.source;
        break;
      }
      default:
        throw new CrdSchemaError(`${path}: zod check "${def.check}" has no CRD equivalent`);
    }
  }
  return out;
}
