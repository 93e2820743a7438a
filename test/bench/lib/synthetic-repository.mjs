// Repositories of synthetic objects written with a checkout's own code, no cluster: `hours`
// format-2 snapshots of `objects` objects, 1% changed before each after the first (as
// bench:incremental's), and optionally the last one's objects as one format-1 snapshot. The objects
// come as a LIST gives them (type after type, namespace and name order inside one), so the packs
// and the tree lie as a real backup leaves them. For the experiments that measure a read without
// the half hour of seeding and backing up a cluster (download-local.mjs, restore-heap.mjs).
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { syntheticText } from "./synthetic-text.mjs";

const TYPES = [
  ["", "v1", "configmaps", "ConfigMap"],
  ["", "v1", "secrets", "Secret"],
  ["apps", "v1", "deployments", "Deployment"],
  ["", "v1", "services", "Service"],
];

/** Object `i`'s YAML at revision `rev`: the same bytes for the same (i, rev). */
function yamlOf(i, rev) {
  const text = syntheticText(i, rev);
  return Buffer.from(
    `apiVersion: v1\nkind: Object\nmetadata:\n  name: o-${i}\n  revision: "${rev}"\ndata:\n  a: ${text}\n`,
  );
}

/** Each of `n` objects' coordinates, as LISTs give them: type after type, then namespace and name order. */
function listed(n) {
  const out = [];
  for (const [t, [group, version, resource, kind]] of TYPES.entries()) {
    const mine = [];
    for (let i = t; i < n; i += TYPES.length) mine.push(i);
    const name = (i) => `o-${String(i).padStart(7, "0")}`;
    const namespace = (i) => `bench-${String(i % 50).padStart(2, "0")}`;
    mine.sort((a, b) => namespace(a).localeCompare(namespace(b)) || name(a).localeCompare(name(b)));
    for (const i of mine) out.push({ i, group, version, resource, kind, namespace: namespace(i), name: name(i) });
  }
  return out;
}

/** Object `i` (at `where`) at revision `rev`: its YAML and its record, as a backup gives them to a snapshot writer. */
function objectOf({ i, ...where }, rev) {
  const data = yamlOf(i, rev);
  const sha256 = createHash("sha256").update(data).digest("hex");
  return { record: { ...where, uid: `uid-${i}`, sha256, bytes: data.length }, data };
}

/** What snapshot.json of snapshot `id`, taken at `time` by the CLI, says of it before its objects are counted. */
function draftOf(id, time) {
  return {
    id,
    time: time.toISOString(),
    completedAt: time.toISOString(),
    source: { kind: "cli" },
    cluster: { version: "v1.36.0" },
    scope: { type: "cluster" },
    params: {},
    warnings: [],
  };
}

/**
 * The format-2 repository in directory `repo` (with the code of checkout `root`), and with `repo1`
 * the last snapshot's objects (the same bytes at the same paths) as one format-1 snapshot there,
 * written as a format-1 backup writes it (parts of the default size, index.json.gz,
 * snapshot.json), its scratch files under `scratch`. Resolves with the last snapshot's id (the
 * same in both).
 */
export async function writeSyntheticRepositories({ root, objects: n, hours, repo, repo1, scratch, log }) {
  const dist = (file) => import(pathToFileURL(join(root, "packages/repository/dist", file)).href);
  const { openRepositoryFromBackend } = await dist("index.js");
  const repository = await openRepositoryFromBackend({ backend: { local: { path: repo } }, secret: {}, format: 2 });
  const revisions = new Uint32Array(n);
  const objects = listed(n);
  let id;
  let time;
  for (let hour = 0; hour < hours; hour++) {
    let r = hour * 7919;
    for (let k = 0; hour > 0 && k < n / 100; k++) {
      r = (r * 1103515245 + 12345) >>> 0;
      revisions[r % n] += 1;
    }
    time = new Date(Date.UTC(2026, 11, 1, hour));
    id = `${time.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z-${String(hour).padStart(8, "0")}`;
    const input = function* () {
      for (const object of objects) yield objectOf(object, revisions[object.i]);
    };
    await repository.format2.writeSnapshot(draftOf(id, time), input());
    log(`hour ${hour + 1}/${hours} written`);
  }
  if (repo1 === undefined) return { id };
  const [{ createIndexWriter, createPartWriter }, { pathFor, resourceKey }] = await Promise.all([
    dist("archive/index.js"),
    dist("snapshot/index.js"),
  ]);
  const format1 = await openRepositoryFromBackend({ backend: { local: { path: repo1 } }, secret: {}, format: 1 });
  const dir = mkdtempSync(join(scratch, "format1-scratch-"));
  const parts = createPartWriter({ dir });
  const index = createIndexWriter({ file: join(dir, "index.json.gz") });
  const counts = {};
  let bytes = 0;
  for (let at = 0; at < objects.length; at += 1000) {
    const batch = objects.slice(at, at + 1000).map((object) => {
      const { record, data } = objectOf(object, revisions[object.i]);
      counts[resourceKey(record)] = (counts[resourceKey(record)] ?? 0) + 1;
      bytes += data.length;
      return { record: { path: pathFor(record), ...record, part: 0 }, data };
    });
    const placed = await parts.add(batch.map((o) => ({ path: o.record.path, data: o.data })));
    for (const [k, o] of batch.entries()) o.record.part = placed[k] ?? 0;
    await index.add(batch.map((o) => o.record));
  }
  const { parts: partFiles } = await parts.finish();
  await format1.commitSnapshot({
    manifest: { ...draftOf(id, time), formatVersion: 1, counts, objects: objects.length, bytes },
    partFiles,
    indexFile: await index.finish(),
  });
  rmSync(dir, { recursive: true, force: true });
  log(`format 1: the last snapshot written (${partFiles.length} parts)`);
  return { id };
}
