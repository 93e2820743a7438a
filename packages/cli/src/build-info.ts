import { readFileSync } from "node:fs";

export interface BuildInfo {
  /** The version of package.json. */
  version: string;
  /** The git commit it was built from (bin/build-info.json, by scripts/write-build-info.mjs), or `unknown`. */
  commit: string;
}

function readJson(url: URL): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(url, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** This CLI's version (package.json) and commit (build-info.json, written at build), read when asked. */
export function buildInfo(): BuildInfo {
  const pkg = readJson(new URL("../package.json", import.meta.url));
  const built = readJson(new URL("../bin/build-info.json", import.meta.url));
  return {
    version: typeof pkg?.version === "string" ? pkg.version : "unknown",
    commit: typeof built?.commit === "string" ? built.commit : "unknown",
  };
}
