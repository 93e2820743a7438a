import type { ForgetResult, RetentionPolicy } from "@kubedump/repository/snapshot";
import type { Command } from "commander";
import { humanBytes, table } from "../format.js";
import { printable } from "../format.js";
import { outputOption, printData } from "../output.js";
import { openRepo, type RepoFlags, repoOptions } from "../repo-source.js";
import { journalLine } from "./prune.js";
import { UsageError } from "../target.js";

const KEEP_FLAGS = {
  keepLast: ["--keep-last <n>", "keep the newest n snapshots"],
  keepHourly: ["--keep-hourly <n>", "keep the newest snapshot of each of the last n hours that have one"],
  keepDaily: ["--keep-daily <n>", "keep the newest snapshot of each of the last n days that have one"],
  keepWeekly: ["--keep-weekly <n>", "keep the newest snapshot of each of the last n ISO weeks that have one"],
  keepMonthly: ["--keep-monthly <n>", "keep the newest snapshot of each of the last n months that have one"],
  keepYearly: ["--keep-yearly <n>", "keep the newest snapshot of each of the last n years that have one"],
} as const;

type KeepField = keyof typeof KEEP_FLAGS;

interface Flags extends Partial<Record<KeepField, string>>, RepoFlags {
  timeZone: string;
  prune: boolean;
  dryRun?: boolean;
  invoker?: string;
  sourceNamespace?: string;
  output?: string;
}

/** The keep-* flags as a policy; at least one must be above 0, as the API demands. */
export function policyFromFlags(flags: Flags): RetentionPolicy {
  const policy: RetentionPolicy = { prune: flags.prune, dryRun: flags.dryRun ?? false };
  for (const [field, [flag]] of Object.entries(KEEP_FLAGS) as [KeepField, readonly [string, string]][]) {
    const text = flags[field];
    if (text === undefined) continue;
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
      throw new UsageError(`${flag.split(" ")[0]} "${text}": a whole number >= 0`);
    policy[field] = n;
  }
  if (!Object.keys(KEEP_FLAGS).some((field) => (policy[field as KeepField] ?? 0) > 0)) {
    throw new UsageError("forget: give at least one --keep-* greater than 0 (without one every snapshot would go)");
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: flags.timeZone });
  } catch {
    throw new UsageError(`--time-zone "${flags.timeZone}": not an IANA time zone such as Europe/Berlin`);
  }
  return policy;
}

function print(result: ForgetResult): void {
  const rows = [
    ...result.kept.map((k) => [k.group, k.id, k.time, "keep", k.reasons.join(",")]),
    ...result.removed.map((r) => [r.group, r.id, r.time, result.dryRun ? "would remove" : "remove", ""]),
    ...result.locked.map((l) => [l.group, l.id, l.time, `locked until ${l.retainUntil}`, ""]),
  ].sort((a, b) => (a[0] as string).localeCompare(b[0] as string) || (b[1] as string).localeCompare(a[1] as string));
  process.stdout.write(`${table(["GROUP", "ID", "TIME", "ACTION", "KEPT BY"], rows)}\n`);
  const what = result.prune
    ? ""
    : " (snapshot.json only; `kubedump prune` removes the data once it is older than an hour)";
  process.stdout.write(
    result.dryRun
      ? `would remove ${result.removed.length} snapshots, keep ${result.kept.length} (dry run)\n`
      : `removed ${result.removed.length} snapshots${what}: ${result.deletedKeys} objects, ${humanBytes(result.deletedBytes)}; kept ${result.kept.length}\n`,
  );
  if (result.journal) process.stdout.write(journalLine(result.journal, false));
  if (result.pruneDeferred)
    process.stdout.write(
      `the prune waits for a later run: ${printable(result.pruneDeferred)}; \`kubedump prune\` removes the data once the lock is free\n`,
    );
  if (result.locked.length) {
    const latest = result.locked.map((l) => l.retainUntil).sort()[result.locked.length - 1];
    process.stdout.write(
      `left ${result.locked.length} snapshots whole that S3 Object Lock retains (the last lock ends ${latest}); ` +
        "a later forget removes them\n",
    );
  }
}

export function forgetCommand(program: Command): void {
  const cmd = program
    .command("forget")
    .description(
      "remove the snapshots a retention policy does not keep (restic's --keep-* rules, applied per backup source)",
    );
  for (const [flag, help] of Object.values(KEEP_FLAGS)) cmd.option(flag, help);
  cmd
    .option("--time-zone <zone>", "IANA time zone in which hours, days, weeks, months and years are counted", "UTC")
    .option("--no-prune", "only remove the snapshot.json of dropped snapshots; their data goes with a later prune")
    .option("--dry-run", "only report what would be removed")
    .option("--invoker <kind/name>", "only snapshots made for this invoker, e.g. BackupConfiguration/nightly")
    .option("--source-namespace <ns>", "only snapshots made for an invoker in this namespace")
    .addOption(outputOption(["table", "json", "yaml"]));
  repoOptions(cmd).action(async (flags: Flags, self: Command) => {
    const policy = policyFromFlags(flags);
    const repository = await openRepo(self, flags);
    const source = { invoker: flags.invoker, namespace: flags.sourceNamespace };
    const result = await repository.forget(policy, { timeZone: flags.timeZone, source });
    if (!printData(flags.output, result)) print(result);
  });
}
