// Forged snapshots for the hostile-repository tests; excluded from the build (tsconfig.build.json).
// Every hash in snapshot.json and the index is right: only the readers' rules on layout, entry
// types and sizes can catch them.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { ObjectStore } from "@kubedump/repository";
import { openRepository } from "@kubedump/repository";
import type { IndexRecord } from "@kubedump/repository/archive";
import { newSnapshotId } from "@kubedump/repository/snapshot";
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

const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** What a forged snapshot is made of. */
export interface Forgery {
  /** The stored part: gzip of the tar (several gzip members are one stream). */
  part: Buffer;
  /** The index records; their byte counts sum to snapshot.json's `bytes`. */
  records: IndexRecord[];
  /** A stored index (gzip) instead of the records' own. */
  index?: Buffer;
  /** snapshot.json is rewritten by this after the commit (hashes of parts and index stay right). */
  manifest?: (manifest: Record<string, unknown>) => Record<string, unknown>;
}

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

function record(ns: string, name: string, data: Buffer, path?: string): IndexRecord {
  const p = path ?? `namespaces/${ns}/configmaps/${name}.yaml`;
  const kind = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap" };
  return {
    path: p,
    ...kind,
    namespace: ns,
    name,
    uid: randomUUID(),
    sha256: sha256(data),
    bytes: data.length,
    part: 0,
  };
}

/** The namespace and a ConfigMap `victim`: what a restore would create if it did not refuse. */
function benign(ns: string): { tar: Buffer[]; records: IndexRecord[] } {
  const nsYaml = Buffer.from(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
  const cm = Buffer.from(
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: victim\n  namespace: ${ns}\ndata: {a: "1"}\n`,
  );
  const nsRecord: IndexRecord = {
    ...record("", ns, nsYaml, `cluster/namespaces/${ns}.yaml`),
    resource: "namespaces",
    kind: "Namespace",
  };
  delete nsRecord.namespace;
  return {
    tar: [tarEntry({ name: nsRecord.path }, nsYaml), tarEntry({ name: `namespaces/${ns}/configmaps/victim.yaml` }, cm)],
    records: [nsRecord, record(ns, "victim", cm)],
  };
}

/** The benign objects, then `tar` entries recorded by `records`, then the end of the archive. */
function withBenign(ns: string, tar: Buffer[], records: IndexRecord[], after: Buffer[] = []): Forgery {
  const base = benign(ns);
  return {
    part: Buffer.concat([gzipMembers(...base.tar, ...tar, TAR_END), ...after]),
    records: [...base.records, ...records],
  };
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

/** Commits a forgery into the repository in `store`; returns the snapshot id. */
export async function commitForgery(store: ObjectStore, scratch: string, forgery: Forgery): Promise<string> {
  const { part, records } = forgery;
  await mkdir(scratch, { recursive: true });
  const index = forgery.index ?? gzipSync(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const [partFile, indexFile] = [join(scratch, "00000.tar.gz"), join(scratch, "index.json.gz")];
  await writeFile(partFile, part);
  await writeFile(indexFile, index);
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.resource] = (counts[r.resource] ?? 0) + 1;
  const now = new Date();
  const id = newSnapshotId(now);
  const repository = await openRepository({ store });
  const bytes = records.reduce((sum, r) => sum + r.bytes, 0);
  const [time, objects] = [now.toISOString(), records.length];
  const manifest = await repository.commitSnapshot({
    manifest: {
      formatVersion: 1,
      id,
      time,
      completedAt: time,
      source: { kind: "cli" },
      cluster: {},
      scope: { type: "cluster" },
      params: {},
      counts,
      objects,
      bytes,
      warnings: [],
    },
    partFiles: [{ n: 0, file: partFile, objects, bytes: part.length, uncompressedBytes: bytes, sha256: sha256(part) }],
    indexFile: { file: indexFile, records: objects, bytes: index.length, sha256: sha256(index) },
  });
  if (forgery.manifest) {
    const rewritten = forgery.manifest(manifest as unknown as Record<string, unknown>);
    await store.put(`snapshots/${id}/snapshot.json`, Buffer.from(JSON.stringify(rewritten)));
  }
  return id;
}
