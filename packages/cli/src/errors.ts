import { SelectorSyntaxError, TargetNotFoundError, UnknownResourceError } from "@kubedump/dump";
import { KubeConfigError, KubeUnreachableError } from "@kubedump/kube";
import { SnapshotNotFoundError } from "@kubedump/repository";
import { UsageError } from "./target.js";

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  unreachable: 3,
  notFound: 4,
} as const;

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof SelectorSyntaxError || err instanceof UnknownResourceError) return EXIT.usage;
  if (err instanceof KubeUnreachableError || err instanceof KubeConfigError) return EXIT.unreachable;
  if (err instanceof SnapshotNotFoundError || err instanceof TargetNotFoundError) return EXIT.notFound;
  if (err instanceof Error && err.name === "CommanderError") return EXIT.usage;
  return EXIT.failed;
}
