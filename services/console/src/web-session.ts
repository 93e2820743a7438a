import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { HttpError } from "./http-error.js";
import type { KubeAuth, UserInfo } from "./kube-auth.js";

/** The cookie that carries the token after a login. */
export const TOKEN_COOKIE = "kd_token";
export const CSRF_HEADER = "x-csrf-token";

/** What the auth middleware leaves on `res.locals`. */
export interface Caller {
  user: UserInfo;
  token: string;
}

/** The caller of an authenticated request (set by authRoutes' middleware). */
export const callerOf = (res: Response): Caller => res.locals.caller as Caller;

function cookieToken(req: Request): string | undefined {
  for (const pair of (req.headers.cookie ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === TOKEN_COOKIE) {
      const value = decodeURIComponent(pair.slice(eq + 1).trim());
      return value || undefined;
    }
  }
  return undefined;
}

function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return match?.[1];
}

const MUTATIONS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const publicUser = (u: UserInfo) => ({ username: u.username, groups: u.groups });

/**
 * /api/v1/login, /logout and /session, then the middleware that authenticates every other /api
 * request: `Authorization: Bearer <token>` or the kd_token cookie, checked with TokenReview (401
 * without one, or when it is not accepted). A mutation authenticated by the cookie must carry
 * X-CSRF-Token, an HMAC of its token under `csrfKey` (403 otherwise); a Bearer request needs none,
 * since a browser never adds that header by itself.
 */
export function authRoutes(deps: { auth: KubeAuth; csrfKey?: string }): Router {
  const key = deps.csrfKey ?? randomBytes(32).toString("hex");
  const csrfOf = (token: string) => createHmac("sha256", key).update(token).digest("base64url");
  const csrfMatches = (req: Request, token: string) => {
    const sent = Buffer.from(String(req.headers[CSRF_HEADER] ?? ""));
    const want = Buffer.from(csrfOf(token));
    return sent.length === want.length && timingSafeEqual(sent, want);
  };
  const setCookie = (req: Request, res: Response, value: string, maxAge?: number) =>
    res.cookie(TOKEN_COOKIE, value, {
      httpOnly: true,
      sameSite: "strict",
      path: "/",
      secure: req.secure,
      ...(maxAge === undefined ? {} : { maxAge }),
    });
  const router = express.Router();

  router.post("/api/v1/login", async (req, res) => {
    const token: unknown = req.body?.token;
    if (typeof token !== "string" || !token.trim())
      throw new HttpError(400, "body field token: a bearer token is required");
    const user = await deps.auth.authenticate(token.trim());
    if (!user) throw new HttpError(401, "the token was not accepted by the API server (TokenReview)");
    setCookie(req, res, token.trim());
    res.json({ user: publicUser(user), csrf: csrfOf(token.trim()) });
  });

  router.post("/api/v1/logout", (req, res) => {
    const token = cookieToken(req);
    if (token && !csrfMatches(req, token)) throw new HttpError(403, "header X-CSRF-Token: missing or wrong");
    setCookie(req, res, "", 0);
    res.status(204).end();
  });

  router.use("/api", async (req: Request, res: Response, next: NextFunction) => {
    const bearer = bearerToken(req);
    const token = bearer ?? cookieToken(req);
    if (!token) throw new HttpError(401, "no token: send Authorization: Bearer <token>, or log in");
    const user = await deps.auth.authenticate(token);
    if (!user) throw new HttpError(401, "the token was not accepted by the API server (TokenReview)");
    if (!bearer && MUTATIONS.has(req.method) && !csrfMatches(req, token))
      throw new HttpError(403, "header X-CSRF-Token: missing or wrong (needed with the login cookie)");
    res.locals.caller = { user, token } satisfies Caller;
    next();
  });

  router.get("/api/v1/session", (_req, res) => {
    const { user, token } = callerOf(res);
    res.json({ user: publicUser(user), csrf: csrfOf(token) });
  });
  return router;
}
