import { ConditionReason, crPath, validateRepository } from "@kubedump/api";
import { isNotFound, type KubeClient, readSecret } from "@kubedump/kube";
import {
  type CredentialProvider,
  createObjectStoreFromBackend,
  type ObjectStore,
  openRepository,
  passwordFromSecret,
  readRepositoryStorage,
} from "@kubedump/repository";
import { format2Of, type Format2Keys } from "@kubedump/repository/format2";
import { openJournalKeys } from "@kubedump/repository/journal";

/** Why a configuration cannot be recorded now; `reason` is its Recording condition's. */
export class RecordingBlockedError extends Error {
  override readonly name = "RecordingBlockedError";
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where a configuration's journal goes: the store of its Repository and the keys of that format-2 repository. */
export interface JournalTarget {
  store: ObjectStore;
  keys: Format2Keys | null;
}

export type JournalTargetOpener = (namespace: string, repository: string) => Promise<JournalTarget>;

/**
 * Opens Repository `namespace/name` as the dump worker does (its storage Secret read with the
 * recorder's service account, S3 credentials from the Secret or else `credentials`), checks it is
 * format 2 (a format-1 repository cannot hold a journal: RecordingBlockedError naming it), and
 * derives the journal's keys with the Secret's password.
 */
export function journalTargetOpener(client: KubeClient, credentials?: CredentialProvider): JournalTargetOpener {
  return async (namespace, name) => {
    const label = `Repository ${namespace}/${name}`;
    let obj: unknown;
    try {
      obj = await client.get<unknown>(crPath("Repository", namespace, name));
    } catch (err) {
      if (isNotFound(err)) throw new RecordingBlockedError("RepositoryNotFound", `${label} not found`);
      throw err;
    }
    const repo = validateRepository(obj);
    if (!repo.ok) throw new RecordingBlockedError("InvalidSpec", `${label}: ${repo.errors.join("; ")}`);
    const storage = await readRepositoryStorage({
      namespace,
      name,
      spec: repo.value.spec,
      readSecret: (ns, secret) => readSecret(client, ns, secret),
    });
    const store = createObjectStoreFromBackend({ ...storage, credentials });
    const password = passwordFromSecret(storage.secret);
    const opened = await openRepository({ store, password, format: storage.format });
    if (!format2Of(opened))
      throw new RecordingBlockedError(
        ConditionReason.RepositoryFormat1,
        `${label} is format 1, which cannot hold a journal; convert it with \`kubedump migrate-repository\``,
      );
    return { store, keys: await openJournalKeys({ store, password }) };
  };
}
