import { createLogger } from "@kubedump/service";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createConsoleApp } from "./app.js";
import { loadConfig } from "./config.js";
import { call, type ConsoleFixture, consoleFixture, SECRET_VALUE } from "./test-support.js";
import { CONTENT_SECURITY_POLICY } from "./web-assets.js";

const t = inject("testenv");
let f: ConsoleFixture;

beforeAll(async () => {
  f = await consoleFixture(t, "console-auth");
});
afterAll(() => f?.close());

const loginCookie = (res: { headers: Headers }) => (res.headers.get("set-cookie") ?? "").split(";")[0] as string;

describe("console authentication", () => {
  it.each([
    ["no token", {}],
    ["a token the API server does not accept", { token: "not-a-real-token" }],
    ["a cookie with a forged token", { headers: { cookie: "kd_token=forged" } }],
  ])("answers 401 {error} to a request with %s", async (_what, opts) => {
    const res = await call(`${f.url}/api/v1/repositories`, opts);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/token/);
  });

  it("logs in with a token: an HttpOnly SameSite=Strict cookie, the user, and a CSRF token", async () => {
    const res = await call(`${f.url}/api/v1/login`, { body: { token: f.reader } });
    expect(res.status).toBe(200);
    expect(res.body.user.username).toBe(`system:serviceaccount:${f.tn.ns}:reader`);
    expect(res.body.user.groups).toContain("system:serviceaccounts");
    expect(typeof res.body.csrf).toBe("string");
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^kd_token=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/); // plain http here
    const session = await call(`${f.url}/api/v1/session`, { headers: { cookie: loginCookie(res) } });
    expect(session.body).toEqual(res.body);
  });

  it("answers a body that is not JSON with 400 naming the body", async () => {
    const res = await fetch(`${f.url}/api/v1/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"token": "${f.reader}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "body: not valid JSON" }); // never quoting the token
  });

  it("refuses a login with a bad token (401) and one without a token (400 naming the field)", async () => {
    expect((await call(`${f.url}/api/v1/login`, { body: { token: "nope" } })).status).toBe(401);
    const missing = await call(`${f.url}/api/v1/login`, { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toContain("token");
  });

  it("refuses a cookie mutation without the CSRF header (403) and takes it with the header", async () => {
    await f.tn.createConfig("csrf", { schedule: "0 0 1 1 *" });
    const login = await call(`${f.url}/api/v1/login`, { body: { token: f.reader } });
    const cookie = loginCookie(login);
    const trigger = `${f.url}/api/v1/backupconfigurations/${f.tn.ns}/csrf/trigger`;
    const without = await call(trigger, { method: "POST", headers: { cookie } });
    expect(without.status).toBe(403);
    expect(without.body.error).toContain("X-CSRF-Token");
    const wrong = await call(trigger, { method: "POST", headers: { cookie, "x-csrf-token": "x".repeat(43) } });
    expect(wrong.status).toBe(403);
    const withHeader = await call(trigger, { method: "POST", headers: { cookie, "x-csrf-token": login.body.csrf } });
    expect(withHeader.status).toBe(201);
    expect(withHeader.body.name).toMatch(/^csrf-\d+$/);
  });

  it("needs no CSRF header with a bearer token, and logout clears the cookie", async () => {
    const ok = await call(`${f.url}/api/v1/repositories`, { token: f.reader });
    expect(ok.status).toBe(200);
    const login = await call(`${f.url}/api/v1/login`, { body: { token: f.reader } });
    const cookie = loginCookie(login);
    const refused = await call(`${f.url}/api/v1/logout`, { method: "POST", headers: { cookie } });
    expect(refused.status).toBe(403);
    const out = await call(`${f.url}/api/v1/logout`, {
      method: "POST",
      headers: { cookie, "x-csrf-token": login.body.csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^kd_token=; Max-Age=0;/);
  });

  it.each(["/api/v1/repositories", "/", "/snapshots/x", "/healthz"])(
    "serves %s with the CSP, nosniff and no-referrer",
    async (path) => {
      const res = await call(`${f.url}${path}`);
      expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    },
  );

  it("answers an unknown API route 404 {error} naming it", async () => {
    const res = await call(`${f.url}/api/v1/nothing`, { token: f.reader });
    expect(res.status).toBe(404);
    expect(res.body.error).toContain("/api/v1/nothing");
  });

  it("marks the cookie Secure behind a TLS proxy when TRUST_PROXY is set", async () => {
    const env = { KUBECONFIG: t.kubeconfig, HTTP_HOST: "127.0.0.1", HTTP_PORT: "0", TRUST_PROXY: "true" };
    const proxied = createConsoleApp({ config: loadConfig(env), log: createLogger("console", "silent") });
    const port = await proxied.start();
    try {
      const res = await call(`http://127.0.0.1:${port}/api/v1/login`, {
        body: { token: f.reader },
        headers: { "x-forwarded-proto": "https" },
      });
      expect(res.headers.get("set-cookie")).toMatch(/; Secure/);
    } finally {
      await proxied.close();
    }
  });

  it("never logs a token or a Secret's value", () => {
    expect(f.logs.length).toBeGreaterThan(0);
    const text = f.logs.join("\n");
    for (const secret of [f.reader, f.admin, f.nobody, SECRET_VALUE, Buffer.from(SECRET_VALUE).toString("base64")])
      expect(text.includes(secret)).toBe(false);
  });
});
