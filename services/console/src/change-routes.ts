import express, { type Router } from "express";
import { diffSides, type ObjectDiff, objectHistory, snapshotSide } from "@kubedump/repository";
import { contentAccess, eachLimit, mayGet } from "./access.js";
import { format2Of } from "@kubedump/repository/format2";
import { type JournalObjectHistory, JournalReader, journalObjectHistory } from "@kubedump/repository/journal";
import type { ObjectCoordinates } from "@kubedump/repository/snapshot";
import { notFound } from "./http-error.js";
import { type OpenedRepository, openForCaller, type RepositoryRouteDeps } from "./repository-access.js";
import { maskSecretYaml } from "./secret-mask.js";
import { objectQuery, queryParam, requiredParam } from "./request-params.js";
import { typeKey } from "./snapshot-summary.js";

const typeOfDiff = (o: ObjectDiff) => {
  const r = (o.after ?? o.before) as NonNullable<ObjectDiff["after"]>;
  return { group: r.group, resource: r.resource, kind: r.kind, namespace: r.namespace ?? "", name: r.name };
};

const describeObject = (o: { group: string; resource: string; namespace: string; name: string }) =>
  `${typeKey(o.resource, o.group)} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;

/** The journals' changes of the object, in a format-2 repository with snapshots; undefined otherwise. */
async function journalOf(
  deps: RepositoryRouteDeps,
  opened: OpenedRepository,
  object: ObjectCoordinates,
  stat: boolean,
): Promise<JournalObjectHistory | undefined> {
  if (!format2Of(opened.repository)) return undefined;
  const snapshots = (await opened.repository.scanSnapshots()).snapshots;
  if (snapshots.length === 0) return undefined;
  const { store, keys } = await deps.catalog.journal(opened.namespace, opened.name);
  return journalObjectHistory({ store, keys, repository: opened.repository, snapshots }, object, { stat });
}

/** The YAML of a journal blob (checked against its id). */
async function readJournalBlob(deps: RepositoryRouteDeps, opened: OpenedRepository, blob: string): Promise<string> {
  const { store, keys } = await deps.catalog.journal(opened.namespace, opened.name);
  // The reader's scope only names its segments; blobs are the repository's.
  const reader = new JournalReader({ store, keys, scope: { scope: { type: "cluster" }, params: {} } });
  return (await reader.readBlob(blob)).toString("utf8");
}

/**
 * An object's history and the diff of two snapshots, from the diff library of
 * @kubedump/repository: decided from the indexes, only the changed objects read. A diff's text is
 * content: it is left out (masked) for types the user may not `get` there.
 */
export function changeRoutes(deps: RepositoryRouteDeps): Router {
  const router = express.Router();
  const base = "/api/v1/repositories/:ns/:name";

  router.get(`${base}/objects/history`, async (req, res) => {
    const opened = await openForCaller(deps, req, res);
    const object = objectQuery(req);
    const masked = (await contentAccess(deps.auth, opened.user, object)) === "masked";
    // Masked: the entries from the indexes alone, no content read.
    const where = { ...object, namespace: object.namespace || undefined };
    const history = await objectHistory(opened.repository, where, { stat: masked });
    const items = history.entries.map((e) => ({
      snapshot: e.snapshot,
      time: e.time,
      change: e.change,
      sha256: e.record?.sha256 ?? null,
      diff: masked ? null : (e.diff ?? null),
    }));
    const journal = await journalOf(deps, opened, where, masked);
    const changes = journal?.changes.map((c) => ({ ...c, blob: undefined, diff: masked ? null : (c.diff ?? null) }));
    res.json({
      path: history.path,
      snapshots: history.snapshots.length,
      masked,
      items,
      journal: journal ? { changes, gaps: journal.gaps } : null,
    });
  });

  // One version the journal recorded of an object (the change at `time`): its YAML, a Secret masked.
  router.get(`${base}/objects/journal-version`, async (req, res) => {
    const opened = await openForCaller(deps, req, res);
    const object = objectQuery(req);
    const time = requiredParam(req, "time");
    const masked = (await contentAccess(deps.auth, opened.user, object)) === "masked";
    const where = { ...object, namespace: object.namespace || undefined };
    const journal = await journalOf(deps, opened, where, true);
    const change = journal?.changes.find((c) => c.time === time && c.blob !== undefined);
    if (!change?.blob) throw notFound(`no recorded version of ${describeObject(object)} at ${time}`);
    const yaml = await readJournalBlob(deps, opened, change.blob);
    const { blob: _, diff: __, ...entry } = change;
    res.json({ ...entry, yaml: masked ? maskSecretYaml(yaml) : yaml, masked });
  });

  router.get(`${base}/diff`, async (req, res) => {
    const opened = await openForCaller(deps, req, res);
    const [a, b] = [requiredParam(req, "a"), requiredParam(req, "b")];
    const namespace = queryParam(req, "namespace");
    const resource = queryParam(req, "resource");
    const diff = await diffSides(snapshotSide(opened.repository, a), snapshotSide(opened.repository, b), {
      filter: (r) =>
        (namespace === undefined || (r.namespace ?? "") === namespace) &&
        (resource === undefined || typeKey(r.resource, r.group) === resource || r.resource === resource),
    });
    const changes = diff.objects.map((o) => ({
      change: o.change,
      ...typeOfDiff(o),
      diff: o.diff ?? null,
      masked: false,
    }));
    await eachLimit(changes, 8, async (c) => {
      if (c.diff !== null && !(await mayGet(deps.auth, opened.user, c))) Object.assign(c, { diff: null, masked: true });
    });
    const { added, removed, changed } = diff.counts;
    res.json({ stat: { added, removed, changed }, changes });
  });
  return router;
}
