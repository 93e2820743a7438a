// Writes bin/build-info.json (or the file named by its argument): the commit this CLI was built from, for
// `kubedump version`. KUBEDUMP_COMMIT wins (for a build from a tree without
// .git, such as a source tarball); else `git rev-parse HEAD` of the checkout; else "unknown". A turbo task of
// its own that is never cached (turbo.json beside this file), so a build from the cache still
// names the commit checked out.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";

const here = new URL("..", import.meta.url);

function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: here,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

const commit = process.env.KUBEDUMP_COMMIT?.trim() || gitCommit() || "unknown";
if (!/^([0-9a-f]{7,40}|unknown)$/.test(commit)) {
  process.stderr.write(`write-build-info: KUBEDUMP_COMMIT "${commit}" is not a git commit (7 to 40 hex digits)\n`);
  process.exit(1);
}
// Beside the bin shim: what an image or a package ships of the CLI besides dist/, which turbo
// restores from its cache (an older build-info.json in it would come back with it).
const out = process.argv[2] ?? new URL("bin/build-info.json", here);
writeFileSync(out, `${JSON.stringify({ commit }, null, 2)}\n`);
