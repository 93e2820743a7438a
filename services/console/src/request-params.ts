import type { Request } from "express";
import { badRequest } from "./http-error.js";

/** A query parameter given once, or undefined; a repeated one is a 400 naming it. */
export function queryParam(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badRequest(`query parameter ${name}: give it once, as a string`);
  return value;
}

/** A query parameter that must be given. */
export function requiredParam(req: Request, name: string): string {
  const value = queryParam(req, name);
  if (value === undefined) throw badRequest(`query parameter ${name} is required`);
  return value;
}

/** A whole number from `min` to `max`, or `fallback` when not given. */
export function intParam(req: Request, name: string, fallback: number, min: number, max: number): number {
  const text = queryParam(req, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw badRequest(`query parameter ${name} "${text}": a whole number from ${min} to ${max}`);
  return n;
}

/** A path parameter (express decodes it). */
export const pathParam = (req: Request, name: string): string => String(req.params[name] ?? "");

/** What one object's query names: group ("" core), resource, namespace ("" cluster-scoped), name. */
export function objectQuery(req: Request) {
  return {
    group: queryParam(req, "group") ?? "",
    resource: requiredParam(req, "resource"),
    namespace: queryParam(req, "namespace") ?? "",
    name: requiredParam(req, "name"),
  };
}
