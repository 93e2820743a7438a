import type { Request, Response } from "express";
import type { Repository } from "@kubedump/repository";
import type { KubeAuth, UserInfo } from "./kube-auth.js";
import { pathParam } from "./request-params.js";
import type { RepositoryCatalog } from "./repositories.js";
import type { SnapshotSummary } from "./snapshot-summary.js";
import { callerOf } from "./web-session.js";

/** What the routes of one repository share. */
export interface RepositoryRouteDeps {
  auth: KubeAuth;
  catalog: RepositoryCatalog;
  summary(repositoryKey: string, repository: Repository, id: string): Promise<SnapshotSummary>;
}

export interface OpenedRepository {
  user: UserInfo;
  namespace: string;
  name: string;
  repository: Repository;
}

/** `get` on the Repository the path names is required (403 otherwise); then it is opened. */
export async function openForCaller(deps: RepositoryRouteDeps, req: Request, res: Response): Promise<OpenedRepository> {
  const { user } = callerOf(res);
  const [namespace, name] = [pathParam(req, "ns"), pathParam(req, "name")];
  await deps.auth.require(user, { verb: "get", group: "kubedump.io", resource: "repositories", namespace, name });
  return { user, namespace, name, repository: await deps.catalog.open(namespace, name) };
}

/** The summary of the snapshot the path names, from the summary cache. */
export function summaryOf(deps: RepositoryRouteDeps, opened: OpenedRepository, id: string) {
  return deps.summary(`${opened.namespace}/${opened.name}`, opened.repository, id);
}
