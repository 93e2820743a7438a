import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubeconfigIn, kubedump } from "../../packages/cli/src/test-support.js";
import { createRestoreSession, type Obj, type Stack, startStack, waitFor, waitForRestoreSession } from "./harness.js";
import { testNamespace } from "./test-namespace.js";

// The CLI against the four services as processes: `trigger --wait` of a backup that fails prints
// why; the dump worker records a Warning Event on every failed BackupSession and RestoreSession;
// `describe session` shows the error, the conditions and the Events; `sessions` lists them. The
// kubeconfig's context names the test's namespace, so no command needs -n.
const e2e = testNamespace(inject("testenv"), "e2e-cli-sessions");
const { t, ns: NS } = e2e;
let stack: Stack;
let kubeconfig: string;

const run = (args: string[]) => kubedump(args, { KUBECONFIG: kubeconfig });

beforeAll(async () => {
  await e2e.setup();
  kubeconfig = kubeconfigIn(t.kubeconfig, NS);
  const yearly = { schedule: "0 0 1 1 *", target: { ref: { apiVersion: "v1", kind: "Namespace", name: NS } } };
  await e2e.createConfig("good", yearly);
  await e2e.createConfig("broken", { ...yearly, repository: { name: "nope" } });
  stack = await startStack(e2e);
});
afterAll(async () => {
  await stack?.stop();
});

/** The Warning Events on an object of the namespace, once there is one. */
const warningsOf = (name: string) =>
  waitFor(`a Warning Event on ${NS}/${name}`, async () => {
    const warnings = (await e2e.eventsOf(name)).filter((e: Obj) => e.type === "Warning");
    return warnings.length ? warnings : undefined;
  });

/** The session a `trigger` created, from its first line. */
const createdBy = (stdout: string) => /^backupsession\.kubedump\.io\/(\S+) created$/m.exec(stdout)?.[1] ?? "";

describe("the CLI and the services' sessions", { timeout: 240_000 }, () => {
  let failed: string;
  let succeeded: string;

  it("trigger --wait exits 1 naming the reason; the failed session has a Warning Event; describe shows both", async () => {
    const trigger = await run(["trigger", "broken", "--wait", "--timeout", "3m"]);
    failed = createdBy(trigger.stdout);
    const reason = `InvalidSpec: spec.repository.name of BackupConfiguration ${NS}/broken: Repository ${NS}/nope not found`;
    expect(trigger.code, trigger.stderr).toBe(1);
    expect(trigger.stdout).toContain(`backupsession.kubedump.io/${failed} Failed\n`);
    expect(trigger.stderr).toContain(`kubedump: BackupSession ${NS}/${failed} Failed: ${reason}\n`);

    const [warning] = await warningsOf(failed);
    expect(warning).toMatchObject({
      reason: "InvalidSpec",
      involvedObject: { kind: "BackupSession", name: failed },
      source: { component: "kubedump-dump-worker" },
    });
    expect(warning!.message).toContain(`Repository ${NS}/nope not found`);

    const text = await run(["describe", "session", failed]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Kind: +BackupSession$/m);
    expect(text.stdout).toMatch(/^Invoker: +BackupConfiguration\/broken$/m);
    expect(text.stdout).toMatch(/^Phase: +Failed$/m);
    expect(text.stdout).toContain(`Error:     ${reason}\n`);
    expect(text.stdout).toMatch(/^ {2}SnapshotCommitted +False +InvalidSpec +\S+ +spec\.repository\.name/m);
    expect(text.stdout).toMatch(
      /^Events:\n {2}TYPE +REASON +AGE +FROM +MESSAGE\n {2}Warning +InvalidSpec +\d+s +kubedump-dump-worker +spec/m,
    );

    const json = JSON.parse((await run(["describe", "session", failed, "-o", "json"])).stdout);
    expect(json).toMatchObject({ kind: "BackupSession", status: { phase: "Failed" } });
    expect(json.events.map((e: Obj) => [e.type, e.reason])).toEqual([["Warning", "InvalidSpec"]]);
  });

  it("trigger --wait of a good configuration exits 0; describe shows its snapshot; sessions lists both", async () => {
    const trigger = await run(["trigger", "good", "--wait", "--timeout", "3m"]);
    expect(trigger.code, trigger.stderr).toBe(0);
    succeeded = createdBy(trigger.stdout);
    expect(trigger.stdout).toContain(`backupsession.kubedump.io/${succeeded} Succeeded\n`);
    const session = await e2e.get("backupsessions", succeeded);
    const { id, objects } = session!.status.snapshot;

    const text = await run(["describe", "session", `backupsession/${succeeded}`]);
    expect(text.stdout).toMatch(new RegExp(`^Snapshot: +${id} \\(${objects} objects, `, "m"));
    expect(text.stdout).not.toMatch(/^Error:/m);
    expect(text.stdout).toMatch(/^ {2}Normal +SnapshotCommitted +/m);

    const names = await run(["sessions", "-o", "name"]);
    expect(names.stdout).toBe(`backupsession.kubedump.io/${failed}\nbackupsession.kubedump.io/${succeeded}\n`);
    const wide = (await run(["sessions", "-o", "wide"])).stdout.split("\n");
    expect(wide[0]!.split(/\s{3,}/)).toEqual([
      "KIND",
      "NAME",
      "PHASE",
      "SNAPSHOT",
      "AGE",
      "FROM",
      "DURATION",
      "REASON",
    ]);
    expect(wide.find((l) => l.includes(failed))).toMatch(/BackupSession +\S+ +Failed +\S+ +broken +\S+ +InvalidSpec$/);
    expect(wide.find((l) => l.includes(succeeded))).toMatch(
      new RegExp(`Succeeded +${id} +\\S+ +good +\\S+ +SnapshotCommitted$`),
    );
    const all = JSON.parse((await run(["sessions", "-A", "--kind", "backup", "-o", "json"])).stdout) as Obj[];
    expect(all.filter((s) => s.metadata.namespace === NS).map((s) => s.metadata.name)).toEqual([failed, succeeded]);
  });

  it("a RestoreSession that fails has a Warning Event, and describe session shows why", async () => {
    await createRestoreSession(t, NS, "restore-missing", { snapshot: "20200101T000000Z-deadbeef" });
    const done = await waitForRestoreSession(t, NS, "restore-missing");
    expect(done.status.phase).toBe("Failed");
    const [warning] = await warningsOf("restore-missing");
    expect(warning).toMatchObject({ reason: "SnapshotNotFound", involvedObject: { kind: "RestoreSession" } });

    const text = await run(["describe", "session", "restore-missing"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Kind: +RestoreSession$/m);
    expect(text.stdout).toMatch(/^Repository: +repo$/m);
    expect(text.stdout).toMatch(/^Error: +SnapshotNotFound: .*20200101T000000Z-deadbeef/m);
    expect(text.stdout).toMatch(/^ {2}Warning +SnapshotNotFound +\d+s +kubedump-dump-worker +/m);
    const restores = await run(["sessions", "--kind", "restore", "-o", "name"]);
    expect(restores.stdout).toBe("restoresession.kubedump.io/restore-missing\n");
  });

  it.each([
    [
      "a session that does not exist",
      ["describe", "session", "nope"],
      4,
      `no BackupSession or RestoreSession ${NS}/nope`,
    ],
    ["an unknown kind", ["describe", "session", "pod/x"], 2, "the kind must be backupsession or restoresession"],
    ["a configuration that does not exist", ["trigger", "nope"], 4, `BackupConfiguration ${NS}/nope not found`],
  ])("names %s", async (_, args, code, message) => {
    const result = await run(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });
});
