import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The URL of every module a fresh node process resolves while it runs `script` (an ES module, run
 * in `cwd`): for tests that a code path does not load a heavy dependency.
 */
export function modulesLoadedBy(script: string, cwd: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-modules-"));
  try {
    const log = join(dir, "modules.log");
    writeFileSync(
      join(dir, "resolve.mjs"),
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + "\\n");
  return r;
}`,
    );
    writeFileSync(
      join(dir, "register.mjs"),
      `import { register } from "node:module";
register(${JSON.stringify(pathToFileURL(join(dir, "resolve.mjs")).href)});`,
    );
    execFileSync(
      process.execPath,
      ["--import", pathToFileURL(join(dir, "register.mjs")).href, "--input-type=module", "-e", script],
      { cwd },
    );
    return readFileSync(log, "utf8").split("\n").filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
