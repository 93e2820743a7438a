import express, { type Router } from "express";
import { API_VERSION, crPath, newBackupSession, validateRestoreSession } from "@kubedump/api";
import { isAlreadyExists, isNotFound } from "@kubedump/kube";
import { badRequest, HttpError, notFound } from "./http-error.js";
import { pathParam } from "./request-params.js";
import type { SessionRouteDeps } from "./session-routes.js";
import { type Obj, restoreView } from "./session-views.js";
import { callerOf } from "./web-session.js";

const GROUP = "kubedump.io";

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
/**
 * Triggering a backup (a BackupSession, as the scheduler's ticks make them) and restores (a
 * RestoreSession, dry run first): each created by the console's ServiceAccount once a
 * SubjectAccessReview says the user may create it, and logged with the user's name.
 */
export function actionRoutes(deps: SessionRouteDeps): Router {
  const { client, auth } = deps;
  const router = express.Router();

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
    deps.log.info({ user: user.username, namespace, configuration: name, session }, "backup triggered");
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
    const { name } = created.metadata;
    const dryRun = object.spec.dryRun === true;
    deps.log.info({ user: user.username, namespace, restore: name, repository, dryRun }, "restore started");
    res.status(201).json({ namespace, name });
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
