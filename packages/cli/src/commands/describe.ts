import type { Command } from "commander";
import { createKubeClient } from "@kubedump/kube";
import { printable, table } from "../format.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import {
  ageOf,
  eventsOf,
  failureOf,
  getSession,
  type SessionEvent,
  type SessionObject,
  timeOf,
} from "../session-view.js";
import { type ClusterFlags, clientOptions, clusterOptions } from "./cluster-options.js";

interface Flags extends ClusterFlags {
  namespace?: string;
  output?: string;
}

/** `kubedump describe session <name>`: what `kubectl describe` would show, and the reason of a failure first. */
export function describeCommand(program: Command): void {
  const describe = program.command("describe").description("show one object in detail");
  const cmd = describe
    .command("session <name>")
    .description(
      "a BackupSession or RestoreSession (<name>, backupsession/<name> or restoresession/<name>): phase, times, " +
        "the snapshot, the error of a failed one, warnings, conditions and its Events",
    )
    .option("-n, --namespace <ns>", "namespace of the session (default: the kubeconfig context's)")
    .addOption(outputOption(REPORT_FORMATS));
  clusterOptions(cmd).action(async (name: string, flags: Flags) => {
    const client = createKubeClient(clientOptions(flags));
    try {
      const session = await getSession(client, flags.namespace ?? client.namespace, name);
      const events = await eventsOf(client, session);
      if (!printData(flags.output, { ...session, events })) process.stdout.write(printable(render(session, events)));
    } finally {
      client.close();
    }
  });
}

/** Label: value lines, the labels padded to one width. */
function fields(pairs: [string, string | undefined][]): string {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== "");
  const width = Math.max(...shown.map(([k]) => k.length)) + 2;
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}\n`).join("");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** A section of lines under a heading; `<none>` when it has none. */
function section(heading: string, body: string | undefined): string {
  return `${heading}:\n${body ? `${indent(body)}\n` : "  <none>\n"}`;
}

function render(s: SessionObject, events: SessionEvent[], now = Date.now()): string {
  const st = s.status ?? {};
  return [
    fields([
      ["Name", s.metadata.name],
      ["Namespace", s.metadata.namespace],
      ["Kind", s.kind],
      ...origin(s),
      ["Phase", st.phase ?? "Pending (not yet seen by the watcher)"],
      ["Created", s.metadata.creationTimestamp],
      ["Started", st.startTime],
      ["Completed", st.completionTime],
      ["Duration", st.sessionDuration],
      ["Snapshot", snapshotText(st.snapshot)],
      ["Error", failureOf(s)],
      ["Counts", countsText(st.counts)],
    ]),
    failuresSection(s),
    section("Warnings", st.warnings?.map((w) => `- ${w}`).join("\n")),
    section(
      "Conditions",
      st.conditions?.length
        ? table(
            ["TYPE", "STATUS", "REASON", "LAST TRANSITION", "MESSAGE"],
            st.conditions.map((c) => [c.type, c.status, c.reason ?? "", c.lastTransitionTime ?? "", c.message ?? ""]),
          )
        : undefined,
    ),
    section(
      "Events",
      events.length
        ? table(
            ["TYPE", "REASON", "AGE", "FROM", "MESSAGE"],
            events.map((e) => [
              e.type ?? "",
              e.reason ?? "",
              ageOf(timeOf(e), now),
              e.reportingComponent || e.source?.component || "",
              e.message ?? "",
            ]),
          )
        : undefined,
    ),
  ].join("");
}

/** Who made a backup session; what a restore session restores from. */
function origin(s: SessionObject): [string, string | undefined][] {
  const spec = s.spec ?? {};
  if (s.kind === "BackupSession") return [["Invoker", spec.invoker && `${spec.invoker.kind}/${spec.invoker.name}`]];
  const asked = spec.snapshot ?? "latest";
  return [
    ["Repository", spec.repository?.name],
    ["Asked for", spec.backupConfiguration ? `${asked} of BackupConfiguration ${spec.backupConfiguration}` : asked],
  ];
}

function snapshotText(snapshot: NonNullable<SessionObject["status"]>["snapshot"]): string | undefined {
  if (snapshot === undefined || typeof snapshot === "string") return snapshot;
  return `${snapshot.id} (${snapshot.objects} objects, ${snapshot.totalSize} YAML, ${snapshot.uploaded} uploaded)`;
}

function countsText(counts: Record<string, number> | undefined): string | undefined {
  if (!counts) return undefined;
  return Object.entries(counts)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(", ");
}

function failuresSection(s: SessionObject): string {
  const { failures, failuresTruncated } = s.status ?? {};
  if (!failures?.length) return "";
  const rows = failures.map((f) => [f.type, f.namespace ?? "", f.name, f.reason]);
  const more = failuresTruncated ? `\n… and ${failuresTruncated} more` : "";
  return section("Failures", `${table(["TYPE", "NAMESPACE", "NAME", "REASON"], rows)}${more}`);
}
