// apt with a configuration of its own (sources, lists, status, cache below the build's cache
// directory), so any host with apt-get can fetch Debian's packages of any architecture without
// touching the host's apt state.
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./exec.js";
import { DEBIAN_KEYRING, DEBIAN_SOURCES } from "./spec.js";

/** One package's control fields, as `apt-cache show` prints them. */
export type Control = Record<string, string>;

export interface Apt {
  /** Fetches the package lists when they are older than `maxAgeMs` (0: always). */
  update(maxAgeMs: number): Promise<void>;
  /** The candidate version's control fields of each package. */
  show(packages: string[]): Promise<Map<string, Control>>;
  /** Downloads each package's candidate .deb into `dir` (kept: present files are not fetched again); returns their paths. */
  download(packages: Control[], dir: string): Promise<string[]>;
}

/** Parses control stanzas (RFC 822 style, continuation lines start with a space). */
export function parseControl(text: string): Control[] {
  const out: Control[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Control = {};
    let last: string | undefined;
    for (const line of stanza.split("\n")) {
      if (/^\s/.test(line) && last) fields[last] += `\n${line.trim()}`;
      else {
        const m = /^([^:\s]+):\s?(.*)$/.exec(line);
        if (m) [last, fields[m[1] as string]] = [m[1], m[2] as string];
      }
    }
    if (fields.Package) out.push(fields);
  }
  return out;
}

/** The name `apt-get download` gives a package's file (an epoch's colon written %3a). */
export const debFileName = (c: Control) =>
  `${c.Package}_${(c.Version ?? "").replace(/:/g, "%3a")}_${c.Architecture}.deb`;

export function createApt(root: string, debArch: string): Apt {
  const dirs = { state: join(root, "state"), cache: join(root, "cache"), parts: join(root, "parts") };
  for (const d of [join(dirs.state, "lists", "partial"), join(dirs.cache, "archives", "partial"), dirs.parts])
    mkdirSync(d, { recursive: true });
  const sources = join(root, "sources.list");
  writeFileSync(sources, DEBIAN_SOURCES.map((s) => `deb [signed-by=${DEBIAN_KEYRING}] ${s}\n`).join(""));
  const status = join(root, "status");
  if (!existsSync(status)) writeFileSync(status, "");
  const stamp = join(root, "updated");
  const options = [
    `Dir::Etc::SourceList=${sources}`,
    `Dir::Etc::SourceParts=${dirs.parts}`,
    `Dir::Etc::Preferences=${join(root, "preferences")}`,
    `Dir::Etc::PreferencesParts=${dirs.parts}`,
    `Dir::State=${dirs.state}`,
    `Dir::State::status=${status}`,
    `Dir::Cache=${dirs.cache}`,
    `APT::Architecture=${debArch}`,
    `APT::Architectures::=${debArch}`,
    // Root's apt drops to the _apt user to download, which cannot write below root's home.
    "APT::Sandbox::User=root",
  ].flatMap((o) => ["-o", o]);

  return {
    async update(maxAgeMs) {
      if (maxAgeMs > 0 && existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < maxAgeMs) return;
      await run("apt-get", [...options, "-qq", "update"]);
      writeFileSync(stamp, new Date().toISOString());
    },
    async show(packages) {
      const found = parseControl(await run("apt-cache", [...options, "show", "--no-all-versions", ...packages]));
      const byName = new Map(found.map((c) => [c.Package as string, c]));
      const missing = packages.filter((p) => !byName.has(p));
      if (missing.length) throw new RangeError(`Debian ${debArch}: no package ${missing.join(", ")}`);
      return byName;
    },
    async download(packages, dir) {
      mkdirSync(dir, { recursive: true });
      const paths = packages.map((c) => join(dir, debFileName(c)));
      const wanted = packages.filter((_, i) => !existsSync(paths[i] as string));
      if (wanted.length)
        await run("apt-get", [...options, "-qq", "download", ...wanted.map((c) => `${c.Package}=${c.Version}`)], {
          cwd: dir,
        });
      const absent = paths.filter((p) => !existsSync(p));
      if (absent.length) throw new Error(`apt-get download did not write ${absent.join(", ")}`);
      return paths;
    },
  };
}
