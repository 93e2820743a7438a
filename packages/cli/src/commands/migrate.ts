import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { dump } from "js-yaml";
import { isRecord, type Fields } from "../migrate/objects.js";
import { formatReport } from "../migrate/report.js";
import { parseSources } from "../migrate/stash-input.js";
import { migrateStash, writtenName } from "../migrate/stash-migration.js";
import { UsageError } from "../target.js";

interface Flags {
  filename: string[];
  outputDir?: string;
  includeSecrets?: boolean;
  force?: boolean;
}

export const REPORT_FILE = "migration-report.txt";
const YAML_FILE = /\.(ya?ml|json)$/;

/** `kubedump migrate stash`: Stash's KubeDump objects → kubedump's, with a report of what did not carry over. */
export function migrateCommand(program: Command): void {
  const migrate = program.command("migrate").description("convert another tool's backup objects into kubedump's");
  migrate
    .command("stash")
    .description(
      "convert Stash Repositories and KubeDump BackupConfigurations (with their storage Secrets) into kubedump objects; " +
        "the YAML goes to stdout (or --output-dir), the report of what was not carried over to stderr",
    )
    .requiredOption(
      "-f, --filename <file|dir|->",
      "Stash YAML or JSON (kubectl get -o yaml output, Lists included); a directory: its .yaml, .yml and .json files; -: stdin; repeatable",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("-o, --output-dir <dir>", `write one file per object and ${REPORT_FILE} into this directory`)
    .option("--include-secrets", "also write copies of the storage Secrets (named <secret>-kubedump)")
    .option("--force", "with --output-dir: replace files that exist")
    .action((flags: Flags) => {
      const { objects, report } = migrateStash(parseSources(flags.filename.flatMap(readSource)), {
        includeSecrets: flags.includeSecrets ?? false,
      });
      const text = formatReport(report, objects.map(writtenName));
      if (flags.outputDir) writeDir(flags.outputDir, objects, text, flags.force ?? false);
      else process.stdout.write(objects.map(toYaml).join("---\n"));
      process.stderr.write(text);
      if (objects.length === 0)
        throw new UsageError(
          "nothing to migrate: no stash.appscode.com/v1beta1 BackupConfiguration with a kubedump-backup-<version> task in the input",
        );
    });
}

function readSource(name: string): { name: string; text: string }[] {
  try {
    if (name === "-") return [{ name: "stdin", text: readFileSync(0, "utf8") }];
    if (statSync(name).isDirectory()) {
      return readdirSync(name)
        .filter((f) => YAML_FILE.test(f))
        .sort()
        .map((f) => ({ name: join(name, f), text: readFileSync(join(name, f), "utf8") }));
    }
    return [{ name, text: readFileSync(name, "utf8") }];
  } catch (err) {
    throw new UsageError(`-f ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function toYaml(obj: Fields): string {
  return dump(JSON.parse(JSON.stringify(obj)), { noRefs: true, lineWidth: -1 });
}

/** `<namespace>-<kind>-<name>.yaml`; Secrets readable by the owner only. */
function writeDir(dir: string, objects: readonly Fields[], report: string, force: boolean): void {
  const files = objects.map((obj) => {
    const meta = isRecord(obj.metadata) ? obj.metadata : {};
    const ns = typeof meta.namespace === "string" ? `${meta.namespace}-` : "";
    return { path: join(dir, `${ns}${String(obj.kind).toLowerCase()}-${String(meta.name)}.yaml`), obj };
  });
  const paths = [...files.map((f) => f.path), join(dir, REPORT_FILE)];
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0 && !force)
    throw new UsageError(`--output-dir: ${existing.join(", ")} exists (--force replaces)`);
  mkdirSync(dir, { recursive: true });
  for (const { path, obj } of files) writeFileSync(path, toYaml(obj), { mode: obj.kind === "Secret" ? 0o600 : 0o644 });
  writeFileSync(join(dir, REPORT_FILE), report);
}
