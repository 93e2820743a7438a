import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { GatewayRequestError } from "./errors.js";

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * Requires `Authorization: Bearer <token>`; compares digests in constant time so neither the
 * token nor its length leaks through timing. Without a token every request passes.
 */
export function requireBearer(token: string | undefined): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  const expected = digest(token);
  return (req, res, next) => {
    const match = /^Bearer[ \t]+(.+)$/i.exec(req.get("authorization") ?? "");
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1].trim()), expected)) {
      next();
      return;
    }
    res.set("WWW-Authenticate", 'Bearer realm="kubedump-metrics-gateway"');
    next(new GatewayRequestError(401, "a valid bearer token is required to change metrics"));
  };
}
