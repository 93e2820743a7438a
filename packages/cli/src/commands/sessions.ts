import { type Command, Option } from "commander";
import { crPath, RESOURCES } from "@kubedump/api";
import { createKubeClient, type KubeClient } from "@kubedump/kube";
import { LISTING_FORMATS, type Column, type Listing, outputOption, printListing } from "../output.js";
import {
  ageOf,
  outcomeOf,
  resourceNameOf,
  SESSION_KINDS,
  type SessionKind,
  type SessionObject,
} from "../session-view.js";
import { UsageError } from "../target.js";
import { type ClusterFlags, clientOptions, clusterOptions } from "./cluster-options.js";

interface Flags extends ClusterFlags {
  namespace?: string;
  allNamespaces?: boolean;
  kind: keyof typeof KINDS;
  output?: string;
}

const KINDS: Record<string, SessionKind[]> = {
  all: [...SESSION_KINDS],
  backup: ["BackupSession"],
  restore: ["RestoreSession"],
};

/** `kubedump sessions`: the BackupSessions and RestoreSessions of a namespace, oldest first. */
export function sessionsCommand(program: Command): void {
  const cmd = program
    .command("sessions")
    .description("list the BackupSessions and RestoreSessions of a namespace (kubedump describe session shows one)")
    .option("-n, --namespace <ns>", "namespace (default: the kubeconfig context's)")
    .option("-A, --all-namespaces", "every namespace")
    .addOption(new Option("--kind <kind>", "backup, restore or all").choices(Object.keys(KINDS)).default("all"))
    .addOption(outputOption(LISTING_FORMATS));
  clusterOptions(cmd).action(async (flags: Flags) => {
    const kinds = KINDS[flags.kind] ?? SESSION_KINDS;
    if (flags.allNamespaces && flags.namespace) throw new UsageError("-n and -A exclude each other");
    const client = createKubeClient(clientOptions(flags));
    try {
      const namespace = flags.allNamespaces ? undefined : (flags.namespace ?? client.namespace);
      const items = (await Promise.all(kinds.map((kind) => list(client, kind, namespace)))).flat();
      items.sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
      printListing(flags.output, listing(items, namespace === undefined));
    } finally {
      client.close();
    }
  });
}

async function list(client: KubeClient, kind: SessionKind, namespace: string | undefined): Promise<SessionObject[]> {
  const path =
    namespace === undefined ? `/apis/kubedump.io/v1alpha1/${RESOURCES[kind].plural}` : crPath(kind, namespace);
  const { items } = await client.get<{ items: Omit<SessionObject, "kind">[] }>(path);
  // A list's items carry no kind of their own.
  return items.map((item) => ({ ...item, kind }));
}

function listing(items: SessionObject[], allNamespaces: boolean): Listing<SessionObject> {
  const now = Date.now();
  const columns: Column<SessionObject>[] = [
    ["KIND", (s) => s.kind],
    ["NAME", (s) => s.metadata.name],
    ["PHASE", (s) => s.status?.phase ?? ""],
    ["SNAPSHOT", (s) => snapshotId(s)],
    ["AGE", (s) => ageOf(s.metadata.creationTimestamp, now)],
  ];
  return {
    items,
    columns: allNamespaces ? [["NAMESPACE", (s) => s.metadata.namespace ?? ""], ...columns] : columns,
    wide: [
      ["FROM", (s) => (s.kind === "BackupSession" ? (s.spec?.invoker?.name ?? "") : (s.spec?.repository?.name ?? ""))],
      ["DURATION", (s) => s.status?.sessionDuration ?? ""],
      ["REASON", (s) => outcomeOf(s)?.reason ?? ""],
    ],
    name: resourceNameOf,
    data: (shown) => shown,
  };
}

function snapshotId(s: SessionObject): string {
  const snapshot = s.status?.snapshot;
  return typeof snapshot === "string" ? snapshot : (snapshot?.id ?? "");
}
