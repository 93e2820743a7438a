import express, { type Router } from "express";
import { diffSides, type ObjectDiff, objectHistory, snapshotSide } from "@kubedump/repository";
import { contentAccess, eachLimit, mayGet } from "./access.js";
import { openForCaller, type RepositoryRouteDeps } from "./repository-access.js";
import { queryParam, requiredParam } from "./request-params.js";
import { typeKey } from "./snapshot-summary.js";

const typeOfDiff = (o: ObjectDiff) => {
  const r = (o.after ?? o.before) as NonNullable<ObjectDiff["after"]>;
  return { group: r.group, resource: r.resource, kind: r.kind, namespace: r.namespace ?? "", name: r.name };
};

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
    const object = {
      group: queryParam(req, "group") ?? "",
      resource: requiredParam(req, "resource"),
      namespace: queryParam(req, "namespace") ?? "",
      name: requiredParam(req, "name"),
    };
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
    res.json({ path: history.path, snapshots: history.snapshots.length, masked, items });
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
