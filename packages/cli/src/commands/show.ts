import type { Command } from "commander";
import { humanBytes, table } from "../format.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { openRepo, type RepoFlags, repoOptions } from "../repo-source.js";
import { scopeText } from "./snapshots.js";

export function showCommand(program: Command): void {
  const cmd = program
    .command("show <id>")
    .description("counts per resource and the warnings of one snapshot (json, yaml: the whole manifest)")
    .addOption(outputOption(REPORT_FORMATS));
  repoOptions(cmd).action(async (id: string, flags: RepoFlags & { output?: string }, self: Command) => {
    const repository = await openRepo(self, flags);
    const m = await repository.getSnapshot(id);
    if (printData(flags.output, m)) return;
    const out = process.stdout;
    out.write(`Snapshot:  ${m.id}\nTime:      ${m.time} → ${m.completedAt}\nScope:     ${scopeText(m.scope)}\n`);
    out.write(`Cluster:   ${m.cluster.server ?? "?"} (${m.cluster.version ?? "unknown version"})\n`);
    const stored =
      m.formatVersion === 2
        ? "newly stored (format 2: packs shared with other snapshots)"
        : `stored in ${m.parts.length} parts`;
    out.write(`Objects:   ${m.objects} (${humanBytes(m.bytes)} YAML, ${humanBytes(m.storedBytes)} ${stored})\n`);
    const params = Object.entries(m.params);
    if (params.length) out.write(`Params:    ${params.map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
    const rows = Object.entries(m.counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([r, n]) => [r, String(n)]);
    out.write(`\n${table(["RESOURCE", "OBJECTS"], rows)}\n`);
    out.write(`\nWarnings (${m.warnings.length}):\n${m.warnings.map((w) => `  - ${w}\n`).join("")}`);
  });
}
