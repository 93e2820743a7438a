// The console's JSON API (CONSOLE-API.md). The token lives in an HttpOnly cookie the browser sends by
// itself; every mutation carries the CSRF value from /api/v1/session or /api/v1/login.

export interface User {
  username: string;
  groups?: string[];
}

export interface Session {
  user: User;
  csrf: string;
}

/** An answer other than 2xx, with the server's message. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrf = "";
let unauthorized: () => void = () => {};

/** What to do when the server says the token is missing or no longer valid. */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const message = (parsed as { error?: string } | undefined)?.error ?? `${res.status} ${res.statusText}`;
    if (res.status === 401 && path !== "/api/v1/login") unauthorized();
    throw new ApiError(res.status, message);
  }
  return parsed as T;
}

export const get = <T>(path: string): Promise<T> => call<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}): Promise<T> => call<T>("POST", path, body);

/** The signed-in user, or undefined when there is no valid token. */
export async function loadSession(): Promise<Session | undefined> {
  try {
    const s = await call<Session>("GET", "/api/v1/session");
    csrf = s.csrf;
    return s;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

export async function login(token: string): Promise<Session> {
  const s = await call<Session>("POST", "/api/v1/login", { token });
  csrf = s.csrf;
  return s;
}

export async function logout(): Promise<void> {
  await call("POST", "/api/v1/logout");
  csrf = "";
}

/** A query string of the defined values, in the order given. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The API path of a Repository. */
export const repoPath = (ns: string, name: string): string =>
  `/api/v1/repositories/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
