import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { load, loadAll } from "js-yaml";
import { describe, expect, inject, it } from "vitest";
import type { Obj } from "./harness.js";

// deploy/docker/Dockerfile cannot be built here (no container engine), so what can be checked
// without building it is: the final stage, what each stage copies, the .dockerignore, and that the
// chart's commands name files the build produces.
const t = inject("testenv");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const DOCKERFILE = readFileSync(join(ROOT, "deploy/docker/Dockerfile"), "utf8");
const run = promisify(execFile);

/** Instructions per stage (continuation lines joined, comments dropped). */
function stages(text: string): { name: string; lines: string[] }[] {
  const out: { name: string; lines: string[] }[] = [];
  for (const line of text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())) {
    if (!line || line.startsWith("#")) continue;
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ name: from[1] ?? String(out.length), lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}
const [build, final] = [stages(DOCKERFILE).at(0)!, stages(DOCKERFILE).at(-1)!];
const copies = (lines: string[]) =>
  lines.filter((l) => l.startsWith("COPY ")).map((l) => l.replace(/^COPY\s+(--from=\S+\s+)?/, ""));

const WORKSPACES = ["packages", "services"]
  .flatMap((d) => readdirSync(join(ROOT, d)).map((n) => `${d}/${n}`))
  .filter((w) => existsSync(join(ROOT, w, "package.json")));
const manifest = (w: string) => JSON.parse(readFileSync(join(ROOT, w, "package.json"), "utf8")) as Obj;
const byName = new Map(WORKSPACES.map((w) => [manifest(w).name as string, w]));

/** The workspaces the services need at run time: their dependencies, transitively. */
function runtimeWorkspaces(): Set<string> {
  const need = new Set<string>(WORKSPACES.filter((w) => w.startsWith("services/")));
  for (let grew = true; grew; ) {
    grew = false;
    for (const w of [...need]) {
      for (const dep of Object.keys(manifest(w).dependencies ?? {})) {
        const ws = byName.get(dep);
        if (ws && !need.has(ws)) {
          need.add(ws);
          grew = true;
        }
      }
    }
  }
  return need;
}

describe("the container image (deploy/docker/Dockerfile)", () => {
  it("runs as a numeric non-root user with node as the entrypoint", () => {
    const user = final.lines.filter((l) => l.startsWith("USER ")).at(-1);
    expect(user).toMatch(/^USER \d+(:\d+)?$/);
    expect(Number(user!.split(/[ :]/)[1])).toBeGreaterThan(0);
    expect(final.lines.filter((l) => l.startsWith("ENTRYPOINT"))).toEqual(['ENTRYPOINT ["node"]']);
    // The chart runs the Pods as that user.
    const values = load(readFileSync(join(ROOT, "deploy/helm/kubedump/values.yaml"), "utf8")) as Obj;
    expect(`USER ${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`).toBe(user);
  });

  it("builds everything in the first stage and keeps only production dependencies and dist folders in the last", () => {
    expect(build.lines).toContain("RUN npm ci --no-audit --no-fund");
    expect(build.lines).toContain("RUN npx turbo run build");
    expect(final.lines.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
    for (const c of copies(final.lines))
      expect(c, "only manifests, the testenv bin stub and dist folders").toMatch(
        /(package\.json|package-lock\.json|\/bin|\/dist) \S+$/,
      );
    expect(final.lines.every((l) => !l.startsWith("COPY ") || l.startsWith("COPY --from=build "))).toBe(true);
  });

  it("copies every workspace's package.json into both stages (npm ci needs them all)", () => {
    expect(WORKSPACES.length).toBeGreaterThanOrEqual(13);
    for (const w of WORKSPACES) {
      expect(copies(build.lines), w).toContain(`${w}/package.json ${w}/`);
      expect(copies(final.lines), w).toContain(`/src/${w}/package.json ${w}/`);
    }
  });

  it("copies the dist folder of every workspace the services need at run time, and not the test environment's", () => {
    const needed = runtimeWorkspaces();
    expect(needed).toContain("packages/kube");
    for (const w of needed) expect(copies(final.lines), w).toContain(`/src/${w}/dist ${w}/dist`);
    expect(copies(final.lines).some((c) => c.includes("testenv/dist"))).toBe(false);
  });

  it("holds the main.js every Deployment of the chart runs, and the build made each", async () => {
    expect(final.lines).toContain("WORKDIR /app");
    const objs = (
      loadAll(
        (await run(t.helm, ["template", "kd", join(ROOT, "deploy/helm/kubedump")], { maxBuffer: 64 << 20 })).stdout,
      ) as (Obj | null)[]
    ).filter((o): o is Obj => o?.kind === "Deployment");
    expect(objs).toHaveLength(4);
    for (const d of objs) {
      const [path] = d.spec.template.spec.containers[0].args as string[];
      const inRepo = path!.replace(/^\/app\//, "");
      expect(copies(final.lines), path).toContain(`/src/${dirname(inRepo)} ${dirname(inRepo)}`);
      expect(existsSync(join(ROOT, inRepo)), `${inRepo} after npx turbo run build`).toBe(true);
    }
  });

  it("has a .dockerignore that keeps local build output and dependencies out but lets in all the build reads", () => {
    const rules = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(rules[0]).toBe("*");
    for (const r of ["**/node_modules", "**/dist"]) expect(rules).toContain(r);
    const allowed = rules.filter((r) => r.startsWith("!")).map((r) => r.slice(1).replace(/\/$/, ""));
    for (const c of copies(build.lines)) {
      const source = c.split(/\s+/).slice(0, -1);
      for (const s of source)
        expect(
          allowed.some((a) => s === a || s.startsWith(`${a}/`)),
          s,
        ).toBe(true);
    }
  });
});
