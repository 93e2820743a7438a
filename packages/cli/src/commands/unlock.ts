import {
  describeLock,
  type LockInfo,
  listLiveLocks,
  type RemovedLock,
  removeAllLocks,
  removeStaleLocks,
} from "@kubedump/repository/format2";
import type { Command } from "commander";
import { printable } from "../format.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { type RepoFlags, repoOptions, repoSource } from "../repo-source.js";

interface Flags extends RepoFlags {
  removeAll?: boolean;
  output?: string;
}

export interface UnlockReport {
  removed: RemovedLock[];
  /** Live locks left (without --remove-all). */
  live: LockInfo[];
}

const describeRemoved = (lock: RemovedLock) =>
  "unreadable" in lock ? `${lock.key} (does not read: ${lock.unreadable})` : describeLock(lock);

function printText(report: UnlockReport, all: boolean): void {
  const out = (line: string) => process.stdout.write(`${printable(line)}\n`);
  for (const lock of report.removed) out(`removed ${all ? "" : "stale "}${describeRemoved(lock)}`);
  for (const lock of report.live)
    out(`left live ${describeLock(lock)}, expires ${lock.expires} unless refreshed (--remove-all removes it)`);
  if (report.removed.length + report.live.length === 0) out("no locks");
}

/**
 * `kubedump unlock`: removes the format-2 repository locks their holders left when they died
 * (stale: not refreshed within their ttl), or with --remove-all every lock, for a holder known to
 * be dead whose lock has not expired yet (a killed migrate-repository or prune).
 */
export function unlockCommand(program: Command): void {
  const cmd = program
    .command("unlock")
    .description(
      "remove the repository locks (format 2) left by dead backups, prunes or migrations: the stale ones, " +
        "or every one with --remove-all",
    )
    .option(
      "--remove-all",
      "also remove live locks: only when their holders are known to be dead (a live holder stops at its next refresh)",
    )
    .addOption(outputOption(REPORT_FORMATS));
  repoOptions(cmd).action(async (flags: Flags, self: Command) => {
    const { store } = await repoSource(self, flags);
    const report: UnlockReport = flags.removeAll
      ? { removed: await removeAllLocks({ store }), live: [] }
      : { removed: await removeStaleLocks({ store }), live: await listLiveLocks({ store }) };
    if (!printData(flags.output, report)) printText(report, flags.removeAll ?? false);
  });
}
