import type { Command } from "commander";
import { humanBytes, table } from "../format.js";
import { DEFAULT_REPO, openRepoFromUrl, REPO_HELP } from "../repo-url.js";
import { scopeText } from "./snapshots.js";

export function showCommand(program: Command): void {
  program
    .command("show <id>")
    .description("counts per resource and the warnings of one snapshot")
    .option("--repo <repo>", REPO_HELP, DEFAULT_REPO)
    .option("-o, --output <format>", "text (default) or json (the whole manifest)")
    .action(async (id: string, flags: { repo: string; output?: string }) => {
      const repository = await openRepoFromUrl(flags.repo);
      const m = await repository.getSnapshot(id);
      if (flags.output === "json") {
        process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
        return;
      }
      const out = process.stdout;
      out.write(`Snapshot:  ${m.id}\nTime:      ${m.time} → ${m.completedAt}\nScope:     ${scopeText(m.scope)}\n`);
      out.write(`Cluster:   ${m.cluster.server ?? "?"} (${m.cluster.version ?? "unknown version"})\n`);
      out.write(
        `Objects:   ${m.objects} (${humanBytes(m.bytes)} YAML, ${humanBytes(m.storedBytes)} stored in ${m.parts.length} parts)\n`,
      );
      const params = Object.entries(m.params);
      if (params.length) out.write(`Params:    ${params.map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
      const rows = Object.entries(m.counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([r, n]) => [r, String(n)]);
      out.write(`\n${table(["RESOURCE", "OBJECTS"], rows)}\n`);
      out.write(`\nWarnings (${m.warnings.length}):\n${m.warnings.map((w) => `  - ${w}\n`).join("")}`);
    });
}
