#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { backupCommand } from "./commands/backup.js";
import { downloadCommand } from "./commands/download.js";
import { showCommand } from "./commands/show.js";
import { snapshotsCommand } from "./commands/snapshots.js";
import { EXIT, exitCodeOf } from "./errors.js";

export function createProgram(): Command {
  const program = new Command()
    .name("kubedump")
    .description("Back up Kubernetes resource manifests to a repository, and list, show and download snapshots")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError();
  for (const add of [backupCommand, snapshotsCommand, showCommand, downloadCommand]) add(program);
  return program;
}

async function main(): Promise<number> {
  try {
    await createProgram().parseAsync(process.argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    process.stderr.write(`kubedump: ${err instanceof Error ? err.message : String(err)}\n`);
    return exitCodeOf(err);
  }
}

main().then((code) => {
  process.exitCode = code;
});
