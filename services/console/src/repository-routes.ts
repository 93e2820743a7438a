import express, { type Request, type Response, type Router } from "express";
import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import { contentAccess, deniedAccess, selectionDenied } from "./access.js";
import { DOWNLOAD_FORMATS, type DownloadFormat, sendDownload } from "./downloads.js";
import { badRequest } from "./http-error.js";
import { openForCaller, type RepositoryRouteDeps, summaryOf } from "./repository-access.js";
import { repositorySummary } from "./repositories.js";
import { intParam, objectQuery, pathParam, queryParam } from "./request-params.js";
import { maskSecretYaml } from "./secret-mask.js";
import { findObject, namespacesOf, pageOf, resourcesOf, selectObjects } from "./snapshot-summary.js";
import { callerOf } from "./web-session.js";

/** Names per tree page unless `limit` says otherwise, and the most one page may hold. */
export const DEFAULT_TREE_LIMIT = 200;
export const MAX_TREE_LIMIT = 1000;

const snapshotRow = (m: SnapshotManifest) => ({
  id: m.id,
  time: m.time,
  completedAt: m.completedAt,
  objects: m.objects,
  bytes: m.bytes,
  storedBytes: m.storedBytes,
  scope: m.scope,
  source: m.source,
  warnings: m.warnings,
});

type Handler = (req: Request, res: Response) => Promise<void>;

/** The Repositories the user may `get`. */
const listRepositories =
  (deps: RepositoryRouteDeps): Handler =>
  async (_req, res) => {
    const { user } = callerOf(res);
    const all = (await deps.catalog.list()).map(repositorySummary);
    const access = (r: { namespace: string; name: string }) => ({
      ...{ verb: "get", group: "kubedump.io", resource: "repositories" },
      ...{ namespace: r.namespace, name: r.name },
    });
    const allowed = await Promise.all(all.map((r) => deps.auth.allowed(user, access(r))));
    res.json(all.filter((_, i) => allowed[i]));
  };

const listSnapshots =
  (deps: RepositoryRouteDeps): Handler =>
  async (req, res) => {
    const { repository } = await openForCaller(deps, req, res);
    res.json((await repository.listSnapshots()).map(snapshotRow));
  };

const showSnapshot =
  (deps: RepositoryRouteDeps): Handler =>
  async (req, res) => {
    const { repository } = await openForCaller(deps, req, res);
    const m = await repository.getSnapshot(pathParam(req, "id"));
    const { params, counts, cluster } = m;
    // Parts are format 1's; a format-2 snapshot's objects are in packs shared with other snapshots.
    const parts = m.formatVersion === 1 ? m.parts.length : undefined;
    res.json({
      ...snapshotRow(m),
      params,
      counts,
      cluster,
      format: m.formatVersion,
      parts,
      encrypted: repository.encrypted,
    });
  };

/** Namespaces; a namespace's types; a page of a type's names: from the snapshot's summary, never the whole index. */
const showTree =
  (deps: RepositoryRouteDeps): Handler =>
  async (req, res) => {
    const opened = await openForCaller(deps, req, res);
    const summary = await summaryOf(deps, opened, pathParam(req, "id"));
    const namespace = queryParam(req, "namespace");
    const resource = queryParam(req, "resource");
    if (namespace === undefined) return void res.json({ items: namespacesOf(summary) });
    if (resource === undefined) return void res.json({ items: resourcesOf(summary, namespace) });
    const limit = intParam(req, "limit", DEFAULT_TREE_LIMIT, 1, MAX_TREE_LIMIT);
    const where = { namespace, resource, group: queryParam(req, "group") ?? "", after: queryParam(req, "after") };
    res.json(pageOf(summary, { ...where, limit }));
  };

/** One object's YAML, read from the one part that holds it; a Secret masked for a user without get on it. */
const showObject =
  (deps: RepositoryRouteDeps): Handler =>
  async (req, res) => {
    const opened = await openForCaller(deps, req, res);
    const id = pathParam(req, "id");
    const object = findObject(await summaryOf(deps, opened, id), objectQuery(req));
    const access = await contentAccess(deps.auth, opened.user, object);
    let yaml = "";
    for await (const read of opened.repository.readObjects(id, { objects: [object] }))
      yaml = read.data.toString("utf8");
    const { path, group, version, resource, kind, namespace, name, sha256, bytes, part } = object;
    const record = { path, group, version, resource, kind, namespace, name, sha256, bytes, part };
    const masked = access === "masked";
    res.json({ record, yaml: masked ? maskSecretYaml(yaml) : yaml, masked });
  };

/** The selection a download's query names. */
function selectionQuery(req: Request) {
  const where = {
    namespace: queryParam(req, "namespace"),
    resource: queryParam(req, "resource"),
    group: queryParam(req, "group"),
    name: queryParam(req, "name"),
  };
  if (where.name !== undefined && where.resource === undefined)
    throw badRequest("query parameter name needs resource (and group, namespace) too");
  return where;
}

/** A selection as an attachment, only when the user may get all of it; only the parts that hold it are read. */
const download =
  (deps: RepositoryRouteDeps): Handler =>
  async (req, res) => {
    const opened = await openForCaller(deps, req, res);
    const id = pathParam(req, "id");
    const format = queryParam(req, "format") ?? "zip";
    if (!DOWNLOAD_FORMATS.includes(format as DownloadFormat))
      throw badRequest(`query parameter format "${format}": one of ${DOWNLOAD_FORMATS.join(", ")}`);
    const manifest = await opened.repository.getSnapshot(id);
    const where = selectionQuery(req);
    const selected = selectObjects(await summaryOf(deps, opened, id), where);
    const denied = await deniedAccess(deps.auth, opened.user, selected);
    if (denied) throw selectionDenied(opened.user, denied);
    const whole = selected.length === manifest.objects;
    const name = [opened.name, id, where.namespace, where.resource, where.name].filter((s) => s !== undefined);
    await sendDownload(res, {
      format: format as DownloadFormat,
      name: name.join("-"),
      date: new Date(manifest.time),
      objects: opened.repository.readObjects(id, whole ? {} : { objects: selected }),
    });
  };

/** Repositories, their snapshots, a snapshot's tree, one object, and downloads. */
export function repositoryRoutes(deps: RepositoryRouteDeps): Router {
  const base = "/api/v1/repositories/:ns/:name/snapshots";
  return express
    .Router()
    .get("/api/v1/repositories", listRepositories(deps))
    .get(base, listSnapshots(deps))
    .get(`${base}/:id`, showSnapshot(deps))
    .get(`${base}/:id/tree`, showTree(deps))
    .get(`${base}/:id/object`, showObject(deps))
    .get(`${base}/:id/download`, download(deps));
}
