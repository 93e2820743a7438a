// Forged snapshots for the hostile-repository tests, one per way a repository can attack its
// reader; excluded from the build (tsconfig.build.json). Only the readers' rules on layout, entry
// types and sizes can catch them: every hash is right.
import { join } from "node:path";
import {
  gnuLongNameEntry,
  gzipMembers,
  gzippedFill,
  paxEntry,
  sha256OfZeros,
  TAR_END,
  tarEntry,
  tarHeader,
} from "@kubedump/testenv";
import { type Forgery, record, withBenign } from "./hostile-forgery.js";

const MiB = 1024 * 1024;

export interface HostileCase {
  name: string;
  forge: (ns: string, where: Where) => Forgery;
  /** What each refusal's message must contain. */
  problem: string;
  /** The commands that read what is forged: download reads parts only, never the index. */
  commands: readonly ("verify" | "download" | "restore")[];
}

/** Paths the forgeries aim at, outside the download's --to. */
export interface Where {
  /** A directory outside --to (a symlink points there). */
  outside: string;
  /** A unique name the climbing paths end in. */
  escaped: string;
}

const SECRET = Buffer.from("kind: Secret\n");
const OTHER_PART = "snapshots/20200101T000000Z-00000000/parts/00000.tar.gz";
const ALL = ["verify", "download", "restore"] as const;
const INDEX_READERS = ["verify", "restore"] as const;

/** One forged entry at `path` (its record at the same path), header as given. */
const entryAt = (ns: string, path: string, header: Parameters<typeof tarEntry>[0] = { name: path }): Forgery =>
  withBenign(ns, [tarEntry(header, SECRET)], [record(ns, "evil", SECRET, path)]);

/** A link-like entry (no data) at a layout path, pointing at `linkname`. */
const linkAt = (ns: string, type: "symlink" | "link" | "char" | "fifo" | "directory", linkname = ""): Forgery => {
  const path = `namespaces/${ns}/configmaps/evil.yaml`;
  return withBenign(ns, [tarEntry({ name: path, type, linkname })], [record(ns, "evil", Buffer.alloc(0))]);
};

export const HOSTILE_CASES: HostileCase[] = [
  {
    name: "a path that climbs out with ..",
    forge: (ns, w) => entryAt(ns, `namespaces/${ns}/configmaps/../../../../../${w.escaped}`),
    problem: `segment ".." not allowed`,
    commands: ALL,
  },
  {
    name: "a path starting with ../",
    forge: (ns, w) => entryAt(ns, `../${w.escaped}`),
    problem: "not allowed",
    commands: ALL,
  },
  {
    name: "an absolute path",
    forge: (ns, w) => entryAt(ns, join(w.outside, "absolute.yaml")),
    problem: ": absolute",
    commands: ALL,
  },
  {
    name: "an absolute path in the ustar prefix field",
    forge: (ns, w) => entryAt(ns, join(w.outside, "prefix.yaml"), { name: "prefix.yaml", prefix: w.outside }),
    problem: ": absolute",
    commands: ALL,
  },
  {
    name: "a PAX path record that climbs out",
    forge: (ns, w) =>
      withBenign(
        ns,
        [paxEntry({ path: `../../${w.escaped}` }), tarEntry({ name: `namespaces/${ns}/configmaps/evil.yaml` }, SECRET)],
        [record(ns, "evil", SECRET, `../../${w.escaped}`)],
      ),
    problem: `segment ".." not allowed`,
    commands: ALL,
  },
  {
    name: "a GNU long name that climbs out",
    forge: (ns, w) =>
      withBenign(
        ns,
        [gnuLongNameEntry(`../../${w.escaped}`), tarEntry({ name: "x" }, SECRET)],
        [record(ns, "evil", SECRET, `../../${w.escaped}`)],
      ),
    problem: `segment ".." not allowed`,
    commands: ALL,
  },
  {
    name: "a NUL byte in a PAX path",
    forge: (ns) => {
      const path = `namespaces/${ns}/configmaps/evil.yaml\0.sh`;
      return withBenign(ns, [paxEntry({ path }), tarEntry({ name: "x" }, SECRET)], [record(ns, "evil", SECRET, path)]);
    },
    problem: "contains NUL",
    commands: ALL,
  },
  {
    name: "a path the layout never makes (one level too deep)",
    forge: (ns) => entryAt(ns, `namespaces/${ns}/configmaps/deep/evil.yaml`),
    problem: "not a path of the layout",
    commands: ALL,
  },
  {
    name: "a symlink to a directory outside, then a file through it",
    forge: (ns, w) => {
      const through = `namespaces/${ns}/secrets/through.yaml`;
      return withBenign(
        ns,
        [
          tarEntry({ name: `namespaces/${ns}/secrets`, type: "symlink", linkname: w.outside }),
          tarEntry({ name: through }, SECRET),
        ],
        [record(ns, "secrets", Buffer.alloc(0), `namespaces/${ns}/secrets`), record(ns, "through", SECRET, through)],
      );
    },
    problem: "a symlink entry: only regular files are allowed",
    commands: ALL,
  },
  {
    name: "a symlink to /etc/passwd",
    forge: (ns) => linkAt(ns, "symlink", "/etc/passwd"),
    problem: "a symlink entry",
    commands: ALL,
  },
  {
    name: "a hard link to /etc/passwd",
    forge: (ns) => linkAt(ns, "link", "/etc/passwd"),
    problem: "a link entry",
    commands: ALL,
  },
  {
    name: "a hard link to an entry of the archive",
    forge: (ns) => linkAt(ns, "link", `namespaces/${ns}/configmaps/victim.yaml`),
    problem: "a link entry",
    commands: ALL,
  },
  { name: "a character device", forge: (ns) => linkAt(ns, "char"), problem: "a character-device entry", commands: ALL },
  { name: "a FIFO", forge: (ns) => linkAt(ns, "fifo"), problem: "a fifo entry", commands: ALL },
  { name: "a directory entry", forge: (ns) => linkAt(ns, "directory"), problem: "a directory entry", commands: ALL },
  {
    name: "a PAX header of 5 MiB",
    forge: (ns) =>
      withBenign(ns, [tarHeader({ name: "PaxHeader", type: "pax", size: 5 * MiB }), Buffer.alloc(5 * MiB, 0x61)], []),
    problem: "Header exceeds max size",
    commands: ALL,
  },
  {
    name: "a header announcing 1 TiB (base-256 size) while the records say 13 bytes",
    forge: (ns) => {
      const path = `namespaces/${ns}/configmaps/evil.yaml`;
      return withBenign(
        ns,
        [tarHeader({ name: path, size: 2 ** 40 })],
        [record(ns, "evil", SECRET)],
        [gzippedFill(64 * MiB)],
      );
    },
    problem: "is 1099511627776 bytes, more than an object may be",
    commands: ALL,
  },
  {
    name: "a PAX size record of 99,999,999,999,999 bytes",
    forge: (ns) => {
      const path = `namespaces/${ns}/configmaps/evil.yaml`;
      return withBenign(
        ns,
        [paxEntry({ size: "99999999999999" }), tarHeader({ name: path, size: 0 })],
        [record(ns, "evil", SECRET)],
        [gzippedFill(64 * MiB)],
      );
    },
    problem: "is 99999999999999 bytes, more than an object may be",
    commands: ALL,
  },
  {
    name: "a gzip bomb: 4 GiB of zeros after the archive's end",
    forge: (ns) => withBenign(ns, [], [], [gzippedFill(4096 * MiB)]),
    problem: "decompresses to more than",
    commands: ALL,
  },
  {
    name: "a gzip bomb: an object of 65 MiB of zeros, its record and snapshot.json saying so",
    forge: (ns) => {
      const size = 65 * MiB;
      const r = { ...record(ns, "evil", SECRET), bytes: size, sha256: sha256OfZeros(size) };
      return withBenign(ns, [tarHeader({ name: r.path, size })], [r], [gzippedFill(size), gzipMembers(TAR_END)]);
    },
    problem: "more than an object may be (67108864)",
    commands: ALL,
  },
  {
    name: "an index bomb: one line of 2 GiB",
    forge: (ns) => ({ ...withBenign(ns, [], []), index: gzippedFill(2048 * MiB, 0x61) }),
    problem: "line 1 is longer than 1048576 bytes",
    commands: INDEX_READERS,
  },
  {
    name: "an index bomb: 2 GiB of empty lines",
    forge: (ns) => ({ ...withBenign(ns, [], []), index: gzippedFill(2048 * MiB, 0x0a) }),
    problem: "decompresses to more than",
    commands: INDEX_READERS,
  },
  {
    name: "a snapshot.json whose part is another snapshot's",
    forge: (ns) => ({
      ...withBenign(ns, [], []),
      manifest: (m) => ({ ...m, parts: (m.parts as object[]).map((p) => ({ ...p, key: OTHER_PART })) }),
    }),
    problem: "parts[0].key: must be snapshots/",
    commands: ALL,
  },
];
