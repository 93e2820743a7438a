import { crPath, DURATION_PATTERN, validateRepository } from "@kubedump/api";
import { TargetNotFoundError } from "@kubedump/dump";
import { createKubeClient, isNotFound, readSecret } from "@kubedump/kube";
import {
  createObjectStoreFromBackend,
  type ObjectLockMode,
  type ObjectLockSpec,
  type ObjectStore,
  openRepository,
  passwordFromSecret,
  type Repository,
  readRepositoryStorage,
} from "@kubedump/repository";
import { type Command, Option } from "commander";
import { type ClusterFlags, clientOptions } from "./commands/cluster-options.js";
import { chainOf, DEFAULT_REPO, passwordFromEnv, REPO_HELP, storeFromUrl } from "./repo-url.js";
import { UsageError } from "./target.js";

/** The environment variable that sets `--repo` when the flag is not given. */
export const REPO_ENV = "KUBEDUMP_REPO";

export interface RepoFlags extends ClusterFlags {
  repo: string;
  fromRepository?: string;
  /** backup only: lock every object written for this long (S3 Object Lock), in `objectLockMode`. */
  objectLockRetention?: string;
  objectLockMode?: string;
}

/** A repository's store and encryption password, before repository.json is read. */
export interface RepoSource {
  store: ObjectStore;
  password?: string;
  /** A Repository object's `spec.format`: the format of a new repository. */
  format?: 1 | 2;
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * `--repo` (default $KUBEDUMP_REPO, else ./kubedump-backups) and `--from-repository`, with the
 * kubeconfig flags the latter reads the Repository with, unless the command has them already.
 */
export function repoOptions(cmd: Command): Command {
  cmd
    .addOption(new Option("--repo <repo>", REPO_HELP).env(REPO_ENV).default(DEFAULT_REPO))
    .option(
      "--from-repository <namespace/name>",
      "the repository a Repository object describes, opened with its storage Secret as the dump worker opens it " +
        "(read with your kubeconfig; <name> alone: in the context's namespace)",
    );
  if (!cmd.options.some((o) => o.long === "--kubeconfig"))
    cmd
      .option("--kubeconfig <file>", "with --from-repository: kubeconfig file (default: $KUBECONFIG, ~/.kube/config)")
      .option("--context <name>", "with --from-repository: kubeconfig context (default: its current-context)");
  return cmd;
}

/** The store and password `--repo` or `--from-repository` name; both given on the command line is an error. */
export async function repoSource(
  cmd: Command,
  flags: RepoFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RepoSource> {
  if (flags.fromRepository === undefined)
    return { store: storeFromUrl(flags.repo, env, objectLockOf(flags)), password: passwordFromEnv(env) };
  if (cmd.getOptionValueSource("repo") === "cli")
    throw new UsageError("--repo and --from-repository exclude each other");
  if (flags.objectLockRetention !== undefined)
    throw new UsageError("--object-lock-retention: with --from-repository the Repository's spec.objectLock decides");
  return sourceOfRepositoryObject(flags, env);
}

/** `--object-lock-retention` and `--object-lock-mode` (default GOVERNANCE), when given. */
function objectLockOf(flags: RepoFlags): ObjectLockSpec | undefined {
  const retention = flags.objectLockRetention;
  if (retention === undefined) return undefined;
  if (!DURATION_PATTERN.test(retention))
    throw new UsageError(`--object-lock-retention "${retention}": a duration such as 720h or 90s`);
  return { mode: (flags.objectLockMode ?? "GOVERNANCE") as ObjectLockMode, retention };
}

/** The repository `--repo` or `--from-repository` names, repository.json read (and the password checked). */
export async function openRepo(
  cmd: Command,
  flags: RepoFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Repository> {
  return openRepository(await repoSource(cmd, flags, env));
}

/**
 * Reads Repository `<namespace>/<name>` and its storage Secret with the user's kubeconfig
 * (readRepositoryStorage, as the dump worker does); without S3 keys in the Secret, credentials
 * come from the AWS chain of this process's environment.
 */
async function sourceOfRepositoryObject(flags: RepoFlags, env: NodeJS.ProcessEnv): Promise<RepoSource> {
  const ref = flags.fromRepository ?? "";
  const parts = ref.split("/");
  if (parts.length > 2 || !parts.every((p) => NAME.test(p)))
    throw new UsageError(`--from-repository "${ref}": expected <namespace>/<name> or <name>`);
  const client = createKubeClient(clientOptions(flags));
  try {
    const [namespace, name] = parts.length === 2 ? (parts as [string, string]) : [client.namespace, parts[0]!];
    const object = await client.get<unknown>(crPath("Repository", namespace, name)).catch((err: unknown) => {
      if (isNotFound(err))
        throw new TargetNotFoundError(`--from-repository: Repository ${namespace}/${name} not found`);
      throw err;
    });
    const valid = validateRepository(object);
    if (!valid.ok)
      throw new UsageError(`--from-repository: Repository ${namespace}/${name}: ${valid.errors.join("; ")}`);
    const storage = await readRepositoryStorage({
      namespace,
      name,
      spec: valid.value.spec,
      readSecret: (ns, secret) => readSecret(client, ns, secret),
    });
    const credentials = storage.backend.s3 ? chainOf(env, "--from-repository") : undefined;
    return {
      store: createObjectStoreFromBackend({ ...storage, credentials }),
      password: passwordFromSecret(storage.secret),
      ...(storage.format ? { format: storage.format } : {}),
    };
  } finally {
    client.close();
  }
}
