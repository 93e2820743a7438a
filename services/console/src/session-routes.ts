import express, { type Router } from "express";
import type { KubeClient } from "@kubedump/kube";
import type { Logger } from "@kubedump/service";
import type { KubeAuth, UserInfo } from "./kube-auth.js";
import { listPath } from "./repositories.js";
import { queryParam } from "./request-params.js";
import { configurationView, type Obj, sessionView } from "./session-views.js";
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

export interface SessionRouteDeps {
  client: KubeClient;
  auth: KubeAuth;
  /** WATCH_NAMESPACE: list in this namespace only. */
  namespace?: string;
  /** Where each session the console creates is logged, with the user who asked. */
  log: Logger;
}

/** BackupConfigurations and BackupSessions, in the namespaces where the user may list them. */
export function sessionRoutes(deps: SessionRouteDeps): Router {
  const { client } = deps;
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

  return router;
}
