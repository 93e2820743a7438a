import type { Command } from "commander";
import { TargetNotFoundError } from "@kubedump/dump";
import { objectHistory, type Repository } from "@kubedump/repository";
import { format2Of } from "@kubedump/repository/format2";
import { type JournalObjectHistory, journalObjectHistory, openJournalKeys } from "@kubedump/repository/journal";
import type { ObjectCoordinates } from "@kubedump/repository/snapshot";
import { historyText } from "../diff-text.js";
import { parseObjectRef } from "../object-ref.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { openRepository } from "@kubedump/repository";
import { type RepoFlags, type RepoSource, repoOptions, repoSource } from "../repo-source.js";
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
      "every snapshot in which one object appeared, changed or vanished, and every change of it the journal of " +
        "continuous capture recorded (with its resourceVersion, and the journal's gaps), oldest first, with its time " +
        "and a unified " +
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
    const source = await repoSource(self, flags);
    const repository = await openRepository(source);
    const history = await objectHistory(repository, object, { stat: flags.stat, context });
    const journal = await journalHistoryOf(source, repository, object, { stat: flags.stat, context });
    if (history.entries.length === 0 && !journal?.changes.length)
      throw new TargetNotFoundError(
        `${ref}: in none of the ${history.snapshots.length} snapshots whose scope could hold it (${history.path})` +
          (journal ? " nor in their journals" : ""),
      );
    const full = { ...history, ...journal };
    if (!printData(flags.output, full)) process.stdout.write(historyText(full));
  });
}

/** The journals' changes of the object, in a format-2 repository with snapshots (undefined otherwise). */
async function journalHistoryOf(
  source: RepoSource,
  repository: Repository,
  object: ObjectCoordinates,
  options: { stat?: boolean; context: number },
): Promise<JournalObjectHistory | undefined> {
  if (!format2Of(repository)) return undefined;
  const snapshots = (await repository.scanSnapshots()).snapshots;
  if (snapshots.length === 0) return undefined;
  const keys = await openJournalKeys(source);
  return journalObjectHistory({ store: source.store, keys, repository, snapshots }, object, options);
}
