import { API_VERSION, crPath, type Repository as RepositoryObject, validateRepository } from "@kubedump/api";
import { isNotFound, type KubeClient, readSecret as readSecretOf } from "@kubedump/kube";
import {
  type CredentialProvider,
  createObjectStoreFromBackend,
  createRepositoryObjectOpener,
  type ObjectStore,
  passwordFromSecret,
  type Repository,
  readRepositoryStorage,
  type SecretReader,
} from "@kubedump/repository";
import type { Format2Keys } from "@kubedump/repository/format2";
import { openJournalKeys } from "@kubedump/repository/journal";
import { HttpError, notFound } from "./http-error.js";

export type { RepositoryObject };

/** A Repository object whose spec does not validate: listed with what is wrong, never opened. */
export interface InvalidRepository {
  metadata: { namespace: string; name: string };
  invalid: string;
}

export interface RepositoryCatalog {
  /** Every Repository object the console's ServiceAccount can list; one that does not validate does not hide the others. */
  list(): Promise<(RepositoryObject | InvalidRepository)[]>;
  /** Repository `namespace/name`, opened as the dump worker opens it (its storage Secret read by the console). */
  open(namespace: string, name: string): Promise<Repository>;
  /**
   * The store and keys the journals of Repository `namespace/name` are read with; call it only for
   * a format-2 repository that has snapshots (its repository.json is there and is read).
   */
  journal(namespace: string, name: string): Promise<JournalSource>;
}

/** What a JournalReader of a repository needs. */
export interface JournalSource {
  store: ObjectStore;
  keys: Format2Keys | null;
}

/** What the repository list shows of a Repository object; never its Secret. */
export function repositorySummary(r: RepositoryObject | InvalidRepository) {
  if ("invalid" in r) {
    const { namespace, name } = r.metadata;
    return {
      namespace,
      name,
      backend: { type: "invalid" },
      phase: "Invalid",
      error: r.invalid,
      snapshots: null,
      lastSnapshotTime: null,
    };
  }
  const { s3, local } = r.spec.backend;
  const backend = s3
    ? { type: "s3", endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, prefix: s3.prefix }
    : { type: "local", path: local?.path };
  return {
    namespace: r.metadata.namespace ?? "",
    name: r.metadata.name ?? "",
    backend,
    phase: r.status?.phase ?? null,
    snapshots: r.status?.snapshotCount ?? null,
    lastSnapshotTime: r.status?.lastBackupTime ?? null,
  };
}

function valid(object: unknown, where: string): RepositoryObject {
  const checked = validateRepository(object);
  if (!checked.ok) throw new HttpError(502, `Repository ${where}: ${checked.errors.join("; ")}`);
  return checked.value;
}

/**
 * The Repository objects of the cluster, read with the console's client, and their repositories
 * opened with createRepositoryObjectOpener (as the dump worker opens them, and the CLI's
 * --from-repository). An opened repository is reused while its object's
 * resourceVersion stays and for at most `ttlMs` (a rotated Secret is read again after that).
 */
export function createRepositoryCatalog(deps: {
  client: KubeClient;
  /** List the Repositories of this namespace only. */
  namespace?: string;
  ttlMs: number;
  credentials?: CredentialProvider;
  now?: () => number;
}): RepositoryCatalog {
  const { client } = deps;
  const now = deps.now ?? Date.now;
  const opened = new Map<string, Cached<Repository>>();
  const journals = new Map<string, Cached<JournalSource>>();
  /** What `open` of Repository namespace/name made, while its resourceVersion stays and for at most ttlMs. */
  async function cached<T>(
    cache: Map<string, Cached<T>>,
    namespace: string,
    name: string,
    make: (spec: RepositoryObject["spec"]) => Promise<T>,
  ): Promise<T> {
    const where = `${namespace}/${name}`;
    const raw = await client.get<unknown>(crPath("Repository", namespace, name)).catch((err: unknown) => {
      throw isNotFound(err) ? notFound(`Repository ${where} not found`) : err;
    });
    const object = valid(raw, where);
    const version = object.metadata.resourceVersion ?? "";
    const hit = cache.get(where);
    if (hit && hit.version === version && hit.until > now()) return hit.value;
    const value = make(object.spec);
    cache.set(where, { version, until: now() + deps.ttlMs, value });
    value.catch(() => cache.delete(where));
    return value;
  }
  const openFresh = createRepositoryObjectOpener({
    readSecret: (ns, secret) => readSecretOf(client, ns, secret),
    credentials: deps.credentials,
  });
  return {
    async list() {
      const res = await client.get<{ items: unknown[] }>(listPath("repositories", deps.namespace));
      return res.items.map(listed).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    },
    async open(namespace, name) {
      return cached(opened, namespace, name, (spec) => openFresh(namespace, name, spec));
    },
    async journal(namespace, name) {
      return cached(journals, namespace, name, async (spec) => {
        const readSecret: SecretReader = (ns, secret) => readSecretOf(client, ns, secret);
        const storage = await readRepositoryStorage({ namespace, name, spec, readSecret });
        const store = createObjectStoreFromBackend({ ...storage, credentials: deps.credentials });
        return { store, keys: await openJournalKeys({ store, password: passwordFromSecret(storage.secret) }) };
      });
    },
  };
}

interface Cached<T> {
  version: string;
  until: number;
  value: Promise<T>;
}

/** The collection of a kubedump kind, in one namespace or in all. */
export const listPath = (plural: string, namespace?: string) =>
  namespace === undefined
    ? `/apis/${API_VERSION}/${plural}`
    : `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${plural}`;

const keyOf = (r: RepositoryObject | InvalidRepository) => `${r.metadata.namespace}/${r.metadata.name}`;

/** A listed object, validated; one that does not validate as an InvalidRepository naming its fields. */
function listed(object: unknown): RepositoryObject | InvalidRepository {
  const checked = validateRepository(object);
  if (checked.ok) return checked.value;
  const meta = (object as { metadata?: { namespace?: string; name?: string } }).metadata;
  return { metadata: { namespace: meta?.namespace ?? "", name: meta?.name ?? "" }, invalid: checked.errors.join("; ") };
}
