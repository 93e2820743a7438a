// The world of the console's browser tests: the four services running (as test/e2e runs them),
// a namespace `<prefix>-app` backed up twice by real BackupSessions with a ConfigMap changed in
// between, users with tokens from the API server, and the console server in this process.
import { createLogger } from "@kubedump/service";
import { kubeHttp, type TestEnvInfo } from "@kubedump/testenv";
import { type Stack, startStack } from "../../../../test/e2e/harness.js";
import { type TestNamespace, testNamespace } from "../../../../test/e2e/test-namespace.js";
import { type ConsoleApp, createConsoleApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { rule, userToken } from "../../src/test-support.js";

export interface BrowserWorld {
  tn: TestNamespace;
  /** The backed-up namespace: ConfigMap `web` (changed between the snapshots) and Secret `db`. */
  app: string;
  /** BackupConfiguration `app` of namespace tn.ns, of namespace `app`. */
  config: string;
  /** The two snapshots, oldest first. */
  snapshots: [string, string];
  url: string;
  /** Reads the Repository and everything in `app`, triggers backups and restores. */
  admin: string;
  stack: Stack;
  close(): Promise<void>;
}

async function create(t: TestEnvInfo, path: string, body: unknown): Promise<void> {
  const res = await kubeHttp(t, path, { body });
  if (res.status !== 201 && res.status !== 409) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
}

/** A finished session's snapshot id; fails naming the session when it did not succeed. */
async function backUp(tn: TestNamespace, session: string, config: string): Promise<string> {
  await tn.createSession(session, config);
  const s = await tn.waitForSession(session);
  if (s.status?.phase !== "Succeeded") throw new Error(`BackupSession ${tn.ns}/${session}: ${s.status?.phase}`);
  return s.status.snapshot.id as string;
}

export async function browserWorld(t: TestEnvInfo, prefix: string): Promise<BrowserWorld> {
  const tn = testNamespace(t, `${prefix}-home`);
  const app = `${prefix}-app`;
  await tn.setup();
  await create(t, "/api/v1/namespaces", { metadata: { name: app } });
  const cm = `/api/v1/namespaces/${app}/configmaps`;
  await create(t, cm, { metadata: { name: "web", labels: { app: "web" } }, data: { greeting: "hello" } });
  await create(t, `/api/v1/namespaces/${app}/secrets`, {
    metadata: { name: "db" },
    stringData: { password: "browser-world-password" },
  });
  const config = "app";
  await tn.createConfig(config, {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: app } },
  });
  const stack = await startStack(tn);
  try {
    await tn.waitForPhase("backupconfigurations", config, "Ready");
    const first = await backUp(tn, `${config}-first`, config);
    const patch = await kubeHttp(t, `${cm}/web`, {
      method: "PATCH",
      body: { data: { greeting: "hello, world" } },
      contentType: "application/merge-patch+json",
    });
    if (patch.status !== 200) throw new Error(`patching ConfigMap ${app}/web: ${patch.status} ${patch.text}`);
    // Snapshot ids order by the second they were taken in: the second one starts in a later second.
    await new Promise((r) => setTimeout(r, 1100));
    const second = await backUp(tn, `${config}-second`, config);
    const home = tn.ns;
    const admin = await userToken(t, home, "admin", {
      [home]: [
        rule("kubedump.io", ["repositories"], ["get"]),
        rule("kubedump.io", ["backupconfigurations", "backupsessions", "restoresessions"], ["get", "list"]),
        rule("kubedump.io", ["backupsessions", "restoresessions"], ["create"]),
      ],
      [app]: [rule("*", ["*"], ["get"])],
    });
    const settings = { KUBECONFIG: t.kubeconfig, HTTP_HOST: "127.0.0.1", HTTP_PORT: "0", LOG_LEVEL: "warn" };
    const server: ConsoleApp = createConsoleApp({ config: loadConfig(settings), log: createLogger("console", "warn") });
    const port = await server.start();
    return {
      ...{ tn, app, config, snapshots: [first, second], url: `http://127.0.0.1:${port}`, admin, stack },
      close: async () => {
        await server.close();
        await stack.stop();
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
