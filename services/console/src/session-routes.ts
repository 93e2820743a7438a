import express, { type Router } from "express";
import { API_VERSION, crPath, newBackupSession, validateRestoreSession } from "@kubedump/api";
import { isAlreadyExists, isNotFound, type KubeClient } from "@kubedump/kube";
import { badRequest, HttpError, notFound } from "./http-error.js";
import type { KubeAuth, UserInfo } from "./kube-auth.js";
import { listPath } from "./repositories.js";
import { pathParam, queryParam } from "./request-params.js";
import { configurationView, type Obj, restoreView, sessionView } from "./session-views.js";
import { callerOf } from "./web-session.js";

const GROUP = "kubedump.io";

/** The objects of a kind the user may `list` in their namespace (one SubjectAccessReview per namespace). */
async function listVisible(deps: SessionRouteDeps, user: UserInfo, plural: string, namespace?: string): Promise<Obj[]> {
  if (namespace !== undefined)
    await deps.auth.require(user, { verb: "list", group: GROUP, resource: plural, namespace });
  const { items } = await deps.client.get<{ items: Obj[] }>(listPath(plural, namespace ?? deps.namespace));
  const namespaces = [...new Set(items.map((o) => o.metadata.namespace as string))];
  const allowed = await Promise.all(
    namespaces.map((ns) => deps.auth.allowed(user, { verb: "list", group: GROUP, resource: plural, namespace: ns })),
  );
  const visible = new Set(namespaces.filter((_, i) => allowed[i]));
  return items.filter((o) => visible.has(o.metadata.namespace));
}

/** The RestoreSession a POST /restores body describes; 400 naming the field when it is not one. */
function restoreOf(body: unknown): Obj {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("body: a JSON object is required");
  const { namespace, repository, ...spec } = body as Obj;
  if (typeof namespace !== "string" || !namespace) throw badRequest("body field namespace is required");
  if (typeof repository !== "string" || !repository)
    throw badRequest("body field repository: the Repository's name is required");
  if (typeof spec.dryRun !== "boolean") throw badRequest("body field dryRun: true or false is required");
  const object = {
    apiVersion: API_VERSION,
    kind: "RestoreSession",
    metadata: { generateName: `${repository}-console-`, namespace },
    spec: { repository: { name: repository }, ...spec },
  };
  const checked = validateRestoreSession({ ...object, metadata: { ...object.metadata, name: "x" } });
  if (!checked.ok) throw badRequest(`body: ${checked.errors.join("; ")}`);
  const unknown = Object.keys(spec).filter((k) => !(k in checked.value.spec));
  if (unknown.length) throw badRequest(`body field ${unknown[0]}: not a RestoreSession spec field`);
  return object;
}

/** BackupConfigurations, BackupSessions, triggering a backup, and restores (dry run first). */
export interface SessionRouteDeps {
  client: KubeClient;
  auth: KubeAuth;
  /** WATCH_NAMESPACE: list in this namespace only. */
  namespace?: string;
}

export function sessionRoutes(deps: SessionRouteDeps): Router {
  const { client, auth } = deps;
  const router = express.Router();

  router.get("/api/v1/backupconfigurations", async (req, res) => {
    const { user } = callerOf(res);
    const namespace = queryParam(req, "namespace");
    const configs = await listVisible(deps, user, "backupconfigurations", namespace);
    const sessions = (
      await client.get<{ items: Obj[] }>(listPath("backupsessions", namespace ?? deps.namespace))
    ).items.map(sessionView);
    res.json(configs.map((c) => configurationView(c, sessions)));
  });

  router.get("/api/v1/backupsessions", async (req, res) => {
    const { user } = callerOf(res);
    const configuration = queryParam(req, "configuration");
    const sessions = (await listVisible(deps, user, "backupsessions", queryParam(req, "namespace"))).map(sessionView);
    const chosen = configuration === undefined ? sessions : sessions.filter((s) => s.configuration === configuration);
    res.json(chosen.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0)));
  });

  router.post("/api/v1/backupconfigurations/:ns/:name/trigger", async (req, res) => {
    const { user } = callerOf(res);
    const [namespace, name] = [pathParam(req, "ns"), pathParam(req, "name")];
    await auth.require(user, { verb: "create", group: GROUP, resource: "backupsessions", namespace });
    const config = await client.get<Obj>(crPath("BackupConfiguration", namespace, name)).catch((err: unknown) => {
      throw isNotFound(err) ? notFound(`BackupConfiguration ${namespace}/${name} not found`) : err;
    });
    const session = `${name}-${Math.floor(Date.now() / 1000)}`;
    const body = newBackupSession({ name, namespace, uid: config.metadata.uid }, session);
    await client.create(crPath("BackupSession", namespace), body).catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
      throw new HttpError(409, `BackupSession ${namespace}/${session} exists: one was triggered this second`);
    });
    res.status(201).json({ namespace, name: session });
  });

  router.post("/api/v1/restores", async (req, res) => {
    const { user } = callerOf(res);
    const object = restoreOf(req.body);
    const { namespace } = object.metadata;
    const repository = object.spec.repository.name as string;
    await auth.require(user, { verb: "create", group: GROUP, resource: "restoresessions", namespace });
    await auth.require(user, { verb: "get", group: GROUP, resource: "repositories", namespace, name: repository });
    const created = await client.create<Obj>(crPath("RestoreSession", namespace), object);
    res.status(201).json({ namespace, name: created.metadata.name });
  });

  router.get("/api/v1/restoresessions/:ns/:name", async (req, res) => {
    const { user } = callerOf(res);
    const [namespace, name] = [pathParam(req, "ns"), pathParam(req, "name")];
    await auth.require(user, { verb: "get", group: GROUP, resource: "restoresessions", namespace, name });
    const restore = await client.get<Obj>(crPath("RestoreSession", namespace, name)).catch((err: unknown) => {
      throw isNotFound(err) ? notFound(`RestoreSession ${namespace}/${name} not found`) : err;
    });
    res.json(restoreView(restore));
  });
  return router;
}
