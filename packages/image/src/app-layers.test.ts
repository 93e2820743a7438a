import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runtimeWorkspaces, workspaces } from "./app-layers.js";

const ROOT = join(import.meta.dirname, "../../..");

describe("the workspaces in the image", () => {
  it("installs every workspace's manifest (the lockfile needs them all)", () => {
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
    const inLock = Object.keys(lock.packages).filter((p) => /^(packages|services)\/[^/]+$/.test(p));
    expect(workspaces(ROOT)).toEqual(inLock.sort());
  });

  it("copies the services, the CLI and what they depend on, not the test environment or the builder", () => {
    const runtime = runtimeWorkspaces(ROOT);
    for (const w of ["services/watcher", "services/dump-worker", "packages/cli", "packages/kube", "packages/api"])
      expect(runtime).toContain(w);
    expect(runtime).not.toContain("packages/testenv");
    expect(runtime).not.toContain("packages/image");
  });
});
