// The image's base layer: Debian's packages unpacked with `dpkg-deb -x` (no maintainer scripts, so
// any architecture unpacks on any host), then what those scripts and a base system would add: the
// CA bundle, the users, /tmp, and the dpkg records scanners read.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Apt, Control } from "./apt.js";
import { run } from "./exec.js";
import { DATA_PACKAGES, LIBRARY_PACKAGES, OS_RELEASE_PACKAGE, USER_ID } from "./spec.js";

/** The names a Depends/Pre-Depends field requires (the first of each set of alternatives). */
export function dependencyNames(field: string | undefined): string[] {
  if (!field?.trim()) return [];
  return field
    .split(",")
    .map((d) =>
      (d.split("|")[0] as string)
        .trim()
        .replace(/\s*\(.*\)$/, "")
        .replace(/:\w+$/, ""),
    )
    .filter(Boolean);
}

/** The packages of `roots` and, transitively, every package they depend on. */
export async function dependencyClosure(
  roots: string[],
  show: (names: string[]) => Promise<Map<string, Control>>,
): Promise<Map<string, Control>> {
  const all = new Map<string, Control>();
  for (let next = roots; next.length > 0; ) {
    for (const [name, c] of await show(next)) all.set(name, c);
    next = [
      ...new Set(
        next.flatMap((n) => [...dependencyNames(all.get(n)?.Depends), ...dependencyNames(all.get(n)?.["Pre-Depends"])]),
      ),
    ].filter((n) => !all.has(n));
  }
  return all;
}

export interface DebianPackages {
  /** Unpacked whole: the libraries and their dependencies, then the data packages. */
  full: Control[];
  /** Only os-release and debian_version are taken from it. */
  osRelease: Control;
}

export async function resolveDebianPackages(apt: Apt): Promise<DebianPackages> {
  const show = (names: string[]) => apt.show(names);
  const libraries = await dependencyClosure(LIBRARY_PACKAGES, show);
  const data = await apt.show(DATA_PACKAGES);
  const base = await apt.show([OS_RELEASE_PACKAGE]);
  const byName = (a: Control, b: Control) => (a.Package as string).localeCompare(b.Package as string);
  return { full: [...libraries.values(), ...data.values()].sort(byName), osRelease: base.get(OS_RELEASE_PACKAGE)! };
}

const PASSWD = `root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:${USER_ID}:${USER_ID}:nonroot:/nonexistent:/sbin/nologin
`;
const GROUP = `root:x:0:
nogroup:x:65534:
nonroot:x:${USER_ID}:
`;
const NSSWITCH =
  "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n";

/** Unpacks the packages into `dir` and adds what a base system and the maintainer scripts would. */
export async function populateDebianLayer(
  dir: string,
  debs: { full: { control: Control; path: string }[]; osRelease: string },
): Promise<void> {
  for (const { path } of debs.full) await run("dpkg-deb", ["-x", path, dir]);
  const base = mkdtempSync(join(dir, "..", "base-files-"));
  try {
    await run("dpkg-deb", ["-x", debs.osRelease, base]);
    mkdirSync(join(dir, "usr/lib"), { recursive: true });
    writeFileSync(join(dir, "usr/lib/os-release"), readFileSync(join(base, "usr/lib/os-release")));
    writeFileSync(join(dir, "etc/debian_version"), readFileSync(join(base, "etc/debian_version")));
    symlinkSync("../usr/lib/os-release", join(dir, "etc/os-release"));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  pruneDocumentation(dir);
  writeCaBundle(dir);
  writeFileSync(join(dir, "etc/passwd"), PASSWD);
  writeFileSync(join(dir, "etc/group"), GROUP);
  writeFileSync(join(dir, "etc/nsswitch.conf"), NSSWITCH);
  mkdirSync(join(dir, "tmp"));
  // What scanners (Trivy, Grype, Syft) read to list a distroless image's Debian packages.
  const status = join(dir, "var/lib/dpkg/status.d");
  mkdirSync(status, { recursive: true });
  for (const { control, path } of debs.full)
    writeFileSync(join(status, control.Package as string), await run("dpkg-deb", ["-f", path]));
}

/** Manuals, info pages and lintian overrides go; each package's copyright file stays. */
function pruneDocumentation(dir: string): void {
  for (const d of ["usr/share/man", "usr/share/info", "usr/share/lintian", "usr/share/bug"])
    rmSync(join(dir, d), { recursive: true, force: true });
  const doc = join(dir, "usr/share/doc");
  for (const pkg of readdirSync(doc))
    for (const f of readdirSync(join(doc, pkg)))
      if (f !== "copyright") rmSync(join(doc, pkg, f), { recursive: true, force: true });
}

/** /etc/ssl/certs/ca-certificates.crt, as update-ca-certificates makes it from the Mozilla set. */
function writeCaBundle(dir: string): void {
  const mozilla = join(dir, "usr/share/ca-certificates/mozilla");
  const certs = readdirSync(mozilla)
    .filter((f) => f.endsWith(".crt"))
    .sort();
  if (certs.length < 100) throw new Error(`ca-certificates: only ${certs.length} certificates in ${mozilla}`);
  mkdirSync(join(dir, "etc/ssl/certs"), { recursive: true });
  writeFileSync(
    join(dir, "etc/ssl/certs/ca-certificates.crt"),
    certs.map((f) => readFileSync(join(mozilla, f), "utf8").trimEnd()).join("\n") + "\n",
  );
}
