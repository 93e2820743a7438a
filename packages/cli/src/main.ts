import { Command, CommanderError } from "commander";
import { buildInfo } from "./build-info.js";
import { backupCommand } from "./commands/backup.js";
import { completionCommand } from "./commands/completion.js";
import { describeCommand } from "./commands/describe.js";
import { diffCommand } from "./commands/diff.js";
import { downloadCommand } from "./commands/download.js";
import { forgetCommand } from "./commands/forget.js";
import { historyCommand } from "./commands/history.js";
import { migrateCommand } from "./commands/migrate.js";
import { migrateRepositoryCommand } from "./commands/migrate-repository.js";
import { unlockCommand } from "./commands/unlock.js";
import { pruneCommand } from "./commands/prune.js";
import { restoreCommand } from "./commands/restore.js";
import { sessionsCommand } from "./commands/sessions.js";
import { showCommand } from "./commands/show.js";
import { snapshotsCommand } from "./commands/snapshots.js";
import { triggerCommand } from "./commands/trigger.js";
import { verifyCommand } from "./commands/verify.js";
import { versionCommand } from "./commands/version.js";
import { EXIT, ExitStatus, exitCodeOf } from "./errors.js";
import { printable } from "./format.js";

/** `kubectl kubedump` when run as the kubectl plugin (bin kubectl-kubedump), else `kubedump`. */
export function programName(argv1: string | undefined): string {
  return /(^|[/\\])kubectl-kubedump(\.js)?$/.test(argv1 ?? "") ? "kubectl kubedump" : "kubedump";
}

export function createProgram(name = "kubedump"): Command {
  const program = new Command()
    .name(name)
    .description(
      "Back up Kubernetes resource manifests to a repository (a directory or S3); list, show, diff, download, restore, verify and expire snapshots",
    )
    .version(buildInfo().version)
    .exitOverride()
    .showHelpAfterError();
  for (const add of [
    backupCommand,
    snapshotsCommand,
    showCommand,
    diffCommand,
    historyCommand,
    downloadCommand,
    restoreCommand,
    verifyCommand,
    forgetCommand,
    pruneCommand,
    migrateRepositoryCommand,
    unlockCommand,
    triggerCommand,
    sessionsCommand,
    describeCommand,
    versionCommand,
    completionCommand,
    migrateCommand,
  ]) {
    add(program);
  }
  return program;
}

async function main(): Promise<number> {
  try {
    await createProgram(programName(process.argv[1])).parseAsync(process.argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof ExitStatus) return err.code;
    process.stderr.write(`kubedump: ${printable(err instanceof Error ? err.message : String(err))}\n`);
    return exitCodeOf(err);
  }
}

main().then((code) => {
  process.exitCode = code;
});
