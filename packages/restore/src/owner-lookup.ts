import { isNotFound, type KubeClient, type KubeObject, objectPath } from "@kubedump/kube";
import type { OwnerLookup, OwnerQuery } from "./relink.js";
import type { ServedTypes } from "./served-types.js";

/**
 * relinkOwners' lookup against the cluster: GET the owner by its apiVersion, kind and name (in
 * the dependent's namespace when the kind is namespaced). Undefined when the cluster does not
 * serve the kind or has no such object. Answers are kept for the restore: many dependents of one
 * outside owner (Pods of a ReplicaSet left out) cost one request.
 */
export function createOwnerLookup(client: KubeClient, served: ServedTypes, signal?: AbortSignal): OwnerLookup {
  const answers = new Map<string, Promise<string | undefined>>();
  const find = async (owner: OwnerQuery): Promise<string | undefined> => {
    const type = served.ofKind(owner.apiVersion, owner.kind);
    if (!type || (type.namespaced && owner.namespace === undefined)) return undefined;
    const path = objectPath(type, owner.name, type.namespaced ? owner.namespace : undefined);
    try {
      return (await client.request<KubeObject>("GET", path, { signal })).metadata.uid;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  return (owner) => {
    const key = JSON.stringify([owner.apiVersion, owner.kind, owner.namespace ?? "", owner.name]);
    let answer = answers.get(key);
    if (!answer) {
      answer = find(owner);
      answers.set(key, answer);
      answer.catch(() => answers.delete(key)); // an error is not an answer: ask again next time
    }
    return answer;
  };
}
