import { Command, CommanderError } from "commander";
import { backupCommand } from "./commands/backup.js";
import { downloadCommand } from "./commands/download.js";
import { forgetCommand } from "./commands/forget.js";
import { migrateCommand } from "./commands/migrate.js";
import { pruneCommand } from "./commands/prune.js";
import { restoreCommand } from "./commands/restore.js";
import { showCommand } from "./commands/show.js";
import { snapshotsCommand } from "./commands/snapshots.js";
import { triggerCommand } from "./commands/trigger.js";
import { verifyCommand } from "./commands/verify.js";
import { EXIT, exitCodeOf } from "./errors.js";
import { printable } from "./format.js";

export function createProgram(): Command {
  const program = new Command()
    .name("kubedump")
    .description(
      "Back up Kubernetes resource manifests to a repository (a directory or S3); list, show, download, restore, verify and expire snapshots",
    )
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError();
  for (const add of [
    backupCommand,
    snapshotsCommand,
    showCommand,
    downloadCommand,
    restoreCommand,
    verifyCommand,
    forgetCommand,
    pruneCommand,
    triggerCommand,
    migrateCommand,
  ]) {
    add(program);
  }
  return program;
}

async function main(): Promise<number> {
  try {
    await createProgram().parseAsync(process.argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    process.stderr.write(`kubedump: ${printable(err instanceof Error ? err.message : String(err))}\n`);
    return exitCodeOf(err);
  }
}

main().then((code) => {
  process.exitCode = code;
});
