import { describe, expect, it } from "vitest";
import { diffLineKind } from "./code-view.js";
import { bytes, count, duration, time, typeName } from "./format.js";
import { nextPath } from "./pages/login.js";

describe("figures as the console shows them", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [50 * 1024 * 1024, "50 MiB"],
    [null, "–"],
  ])("bytes(%s) = %s", (n, text) => {
    expect(bytes(n)).toBe(text);
  });

  it.each([
    [2.25, "2.3 s"],
    [42, "42 s"],
    [125, "2 min 5 s"],
    [3 * 3600 + 60, "3 h 1 min"],
    [null, "–"],
  ])("duration(%s) = %s", (s, text) => {
    expect(duration(s)).toBe(text);
  });

  it("counts, times and type names", () => {
    expect(count(100000)).toBe("100,000");
    expect(count(null)).toBe("–");
    expect(time("2026-12-04T07:36:04Z")).toBe("2026-12-04 07:36:04 UTC");
    expect(time("not a time")).toBe("not a time");
    expect(typeName("deployments", "apps")).toBe("deployments.apps");
    expect(typeName("configmaps", "")).toBe("configmaps");
  });
});

describe("diffLineKind", () => {
  it.each([
    ["--- a/web.yaml", "file"],
    ["+++ b/web.yaml", "file"],
    ["@@ -1,2 +1,2 @@", "hunk"],
    ["+  greeting: hi", "add"],
    ["-  greeting: hello", "del"],
    ["   name: web", "ctx"],
  ])("%s is %s", (line, kind) => {
    expect(diffLineKind(line)).toBe(kind);
  });
});

describe("nextPath after signing in", () => {
  it.each([
    ["/repositories/a/b", "/repositories/a/b"],
    ["/backups?x=1", "/backups?x=1"],
    ["//evil.example/", "/"],
    ["/\\evil.example/", "/"],
    ["https://evil.example/", "/"],
    ["/api/v1/logout", "/"],
    [null, "/"],
  ])("next=%s goes to %s", (next, path) => {
    expect(nextPath(new URLSearchParams(next === null ? "" : { next }))).toBe(path);
  });
});
