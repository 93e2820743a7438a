import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { crPath, FINISHED_BACKUP_SESSION_PHASES, newBackupSession, parseDuration } from "@kubedump/api";
import { createKubeClient, isAlreadyExists, isNotFound, type KubeClient, type KubeObject } from "@kubedump/kube";
import { TargetNotFoundError } from "@kubedump/dump";
import { SessionFailedError } from "../errors.js";
import { reasonOf, type SessionObject } from "../session-view.js";
import { UsageError } from "../target.js";
import { type ClusterFlags, clientOptions, clusterOptions } from "./cluster-options.js";

interface Flags extends ClusterFlags {
  namespace?: string;
  wait?: boolean;
  timeout: string;
}

/** An instant backup: a BackupSession for the configuration, run by the dump workers like a scheduled one. */
export function triggerCommand(program: Command): void {
  const cmd = program
    .command("trigger <configuration>")
    .description("start an instant backup of a BackupConfiguration (creates a BackupSession for the dump workers)")
    .option("-n, --namespace <ns>", "namespace of the BackupConfiguration (default: the kubeconfig context's)")
    .option(
      "--wait",
      "wait until the session finishes; exit non-zero unless it succeeded, with the reason of a failure",
    )
    .option("--timeout <duration>", "with --wait: give up after this long (e.g. 10m)", "30m");
  clusterOptions(cmd).action(async (name: string, flags: Flags) => {
    const timeoutMs = parseTimeout(flags.timeout);
    const client = createKubeClient(clientOptions(flags));
    try {
      const namespace = flags.namespace ?? client.namespace;
      const config = await client
        .get<KubeObject>(crPath("BackupConfiguration", namespace, name))
        .catch((err: unknown) => {
          if (isNotFound(err)) throw new TargetNotFoundError(`BackupConfiguration ${namespace}/${name} not found`);
          throw err;
        });
      const session = await createSession(client, config);
      process.stdout.write(`backupsession.kubedump.io/${session} created\n`);
      if (!flags.wait) return;
      const done = await waitFinished(client, namespace, session, timeoutMs);
      const phase = done.status?.phase ?? "";
      process.stdout.write(`backupsession.kubedump.io/${session} ${phase}\n`);
      if (phase === "Succeeded" || phase === "PartiallySucceeded") return;
      throw new SessionFailedError(`BackupSession ${namespace}/${session} ${phase}: ${reasonOf(done)}`);
    } finally {
      client.close();
    }
  });
}

function parseTimeout(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`--timeout "${text}": a duration such as 90s, 10m or 1h`);
  }
}

async function createSession(client: KubeClient, config: KubeObject): Promise<string> {
  const { name, namespace = "default", uid } = config.metadata;
  const seconds = Math.floor(Date.now() / 1000);
  for (const candidate of [`${name}-${seconds}`, `${name}-${seconds}-${Date.now() % 1000}`]) {
    try {
      await client.create(crPath("BackupSession", namespace), newBackupSession({ name, namespace, uid }, candidate));
      return candidate;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  throw new Error(`BackupSessions for ${namespace}/${name} were created this very second; try again`);
}

async function waitFinished(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<SessionObject> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const s = await client.get<SessionObject>(crPath("BackupSession", namespace, name));
    const phase = s.status?.phase ?? "";
    if (phase !== last && phase) process.stderr.write(`${name}: ${phase}\n`);
    last = phase;
    if ((FINISHED_BACKUP_SESSION_PHASES as readonly string[]).includes(phase)) return s;
    await sleep(1000);
  }
  throw new Error(
    `BackupSession ${namespace}/${name} did not finish within ${timeoutMs / 1000} s (last phase: ${last || "none"})`,
  );
}
