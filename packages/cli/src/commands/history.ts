import type { Command } from "commander";
import { TargetNotFoundError } from "@kubedump/dump";
import { objectHistory } from "@kubedump/repository";
import { historyText } from "../diff-text.js";
import { parseObjectRef } from "../object-ref.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { openRepo, type RepoFlags, repoOptions } from "../repo-source.js";
import { contextOf } from "./diff.js";

interface HistoryFlags extends RepoFlags {
  stat?: boolean;
  unified: string;
  output?: string;
}

export function historyCommand(program: Command): void {
  const cmd = program
    .command("history <object>")
    .description(
      "every snapshot in which one object appeared, changed or vanished, oldest first, with its time and a unified " +
        "diff of its YAML. <object>: <resource[.group]>/<namespace>/<name> (deployments.apps/prod/web), or " +
        "<resource[.group]>/<name> for a cluster-scoped one (namespaces/prod). Snapshots whose scope cannot hold the " +
        "object (another namespace's) are not looked at. The indexes decide; only the parts holding each new " +
        "version are read. Exit status 4 when no snapshot holds the object",
    )
    .option("--stat", "the snapshots only, from the indexes: no part is read")
    .option("-U, --unified <n>", "unchanged lines shown around each change", "3")
    .addOption(outputOption(REPORT_FORMATS));
  repoOptions(cmd).action(async (ref: string, flags: HistoryFlags, self: Command) => {
    const object = parseObjectRef(ref);
    const context = contextOf(flags.unified);
    const repository = await openRepo(self, flags);
    const history = await objectHistory(repository, object, { stat: flags.stat, context });
    if (history.entries.length === 0)
      throw new TargetNotFoundError(
        `${ref}: in none of the ${history.snapshots.length} snapshots whose scope could hold it (${history.path})`,
      );
    if (!printData(flags.output, history)) process.stdout.write(historyText(history));
  });
}
