import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response, type Router } from "express";

/** The Content-Security-Policy of every response: no inline script or style, nothing from elsewhere. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

/** CSP, nosniff and no-referrer on every response, and no caching of /api answers. */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("x-frame-options", "DENY");
  if (req.path.startsWith("/api/")) res.setHeader("cache-control", "no-store");
  next();
}

/** The package's root: `dist/` and `web/` sit below it (this file runs from dist/ or, in tests, src/). */
const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The browser side at /: the compiled scripts of dist/web/ and the static files of web/static/
 * (which the build copies to dist/static/, the copy the image carries), and index.html for any
 * other GET outside /api (the browser routes those itself).
 */
export function webAssets(root = PACKAGE_ROOT): Router {
  const router = express.Router();
  const built = join(root, "dist", "static");
  const statics = existsSync(built) ? built : join(root, "web", "static");
  router.use(express.static(join(root, "dist", "web"), { index: false }));
  router.use(express.static(statics, { index: "index.html" }));
  const index = join(statics, "index.html");
  router.get(/^\/(?!api\/).*/, (_req, res, next) => {
    if (!existsSync(index)) return next();
    res.sendFile(index);
  });
  return router;
}
