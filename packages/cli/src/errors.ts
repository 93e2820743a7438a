import { SelectorSyntaxError, SnapshotScopeError, TargetNotFoundError, UnknownResourceError } from "@kubedump/dump";
import { KubeConfigError, KubeUnreachableError } from "@kubedump/kube";
import {
  BackendConfigError,
  CredentialsError,
  EncryptionMismatchError,
  IntegrityError,
  RepositoryFormatError,
  SnapshotNotFoundError,
  StorageSecretNotFoundError,
  StoreAccessDeniedError,
  StoreUnreachableError,
  UnsafePathError,
  WrongPasswordError,
} from "@kubedump/repository";
import { NamespaceMappingError } from "@kubedump/restore";
import { UsageError } from "./target.js";

/**
 * Exit codes (the README should list them too):
 *   0 ok
 *   1 failed: anything not below, and a restore with some objects failed; `diff`: differences found
 *     (as diff(1); quietly, with no message on stderr)
 *   2 usage: bad flags or --repo, a backend that is not configured right (no S3 credentials from
 *     anywhere among them), a password given for an
 *     unencrypted repository or missing for an encrypted one
 *   3 unreachable: the API server or the object store cannot be reached (TLS trust included), nor
 *     the source of the AWS chain's credentials (STS, container agent, instance metadata)
 *   4 not found: the snapshot, namespace, target, session, Repository object or its storage Secret does not exist
 *   5 integrity: stored data is damaged, missing or forged (`verify` found problems, `migrate-repository`
 *     left snapshots it could not read, a read failed its
 *     check, repository.json or snapshot.json cannot be read, an archive entry that is not a regular
 *     file of the layout, a snapshot to restore is damaged or forged: SnapshotDamagedError is an
 *     IntegrityError; a snapshot.json whose scope or params `diff --live` cannot dump again)
 *   6 denied: a wrong encryption password, credentials the object store refuses, or a token the
 *     AWS chain's source refuses (an expired or wrong-audience web identity token)
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  unreachable: 3,
  notFound: 4,
  integrity: 5,
  denied: 6,
} as const;

/** An outcome told by the exit code alone, with nothing on stderr: `diff` found differences (1). */
export class ExitStatus extends Error {
  override readonly name = "ExitStatus";

  constructor(readonly code: number) {
    super(`exit status ${code}`);
  }
}

/** `verify` found problems; they are printed before this is thrown. */
export class VerifyFailedError extends Error {
  override readonly name = "VerifyFailedError";

  constructor(id: string, problems: number, what = "snapshot ") {
    super(`${what}${id} failed verification: ${problems} problem${problems === 1 ? "" : "s"} (listed above)`);
  }
}

/** `migrate-repository` left format-1 snapshots that do not read as they were; they are listed before this is thrown. */
export class MigrationDamagedError extends Error {
  override readonly name = "MigrationDamagedError";

  constructor(ids: readonly string[]) {
    super(
      `${ids.length} format-1 snapshot${ids.length === 1 ? "" : "s"} could not be migrated and ` +
        `${ids.length === 1 ? "was" : "were"} left as ${ids.length === 1 ? "it was" : "they were"} (listed above): ${ids.join(", ")}`,
    );
  }
}

/** A session that `trigger --wait` waited for did not succeed; the message carries its reason. */
export class SessionFailedError extends Error {
  override readonly name = "SessionFailedError";
}

/** A restore ended with some objects failed; the report lists them with their reasons. */
export class RestoreFailedError extends Error {
  override readonly name = "RestoreFailedError";
  static readonly SHOWN = 10;

  constructor(failed: readonly string[]) {
    const shown = failed.slice(0, RestoreFailedError.SHOWN).join(", ");
    const more =
      failed.length > RestoreFailedError.SHOWN ? ` and ${failed.length - RestoreFailedError.SHOWN} more` : "";
    super(`${failed.length} object${failed.length === 1 ? "" : "s"} failed to restore: ${shown}${more}`);
  }
}

const CODES: [number, (abstract new (...args: never[]) => Error)[]][] = [
  [
    EXIT.usage,
    [
      UsageError,
      NamespaceMappingError,
      SelectorSyntaxError,
      UnknownResourceError,
      BackendConfigError,
      EncryptionMismatchError,
    ],
  ],
  [EXIT.unreachable, [KubeUnreachableError, KubeConfigError, StoreUnreachableError]],
  [EXIT.notFound, [SnapshotNotFoundError, TargetNotFoundError, StorageSecretNotFoundError]],
  [
    EXIT.integrity,
    [
      IntegrityError,
      VerifyFailedError,
      MigrationDamagedError,
      RepositoryFormatError,
      UnsafePathError,
      SnapshotScopeError,
    ],
  ],
  [EXIT.denied, [WrongPasswordError, StoreAccessDeniedError]],
];

export function exitCodeOf(err: unknown): number {
  if (err instanceof CredentialsError)
    return err.unconfigured ? EXIT.usage : err.transient ? EXIT.unreachable : EXIT.denied;
  for (const [code, types] of CODES) if (types.some((type) => err instanceof type)) return code;
  if (err instanceof Error && err.name === "CommanderError") return EXIT.usage;
  return EXIT.failed;
}
