// The console in a real headless Chromium, signed in with a ServiceAccount token that may read
// everything of the backed-up namespace: snapshots, the tree, an object with its history and diff,
// a diff of two snapshots, a zip download equal to `kubedump download`, a backup triggered from the
// page, and a restore that shows its dry run first. Each main page is screenshotted and checked by axe.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { filesBelow, kubeHttp } from "@kubedump/testenv";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type BrowserWorld, browserWorld } from "./browser-world.js";
import { type Chromium, launchChromium } from "./chromium.mjs";
import { expand, signIn, texts, visit } from "./console-page.js";
import { allowDownloads, downloaded, unzip } from "./downloads.js";
import { checkPage, openPage } from "./page-checks.js";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "../../../../packages/cli/bin/kubedump.js");
const t = inject("testenv");
const work = mkdtempSync(join(tmpdir(), "kubedump-console-browser-"));
let w: BrowserWorld;
let chromium: Chromium;
let page: Page;
let problems: string[];

beforeAll(async () => {
  [w, chromium] = await Promise.all([browserWorld(t, "cweb"), launchChromium()]);
  ({ page, problems } = await openPage(chromium.browser));
}, 300_000);
afterAll(async () => {
  await chromium?.close();
  await w?.close();
});

/** The figures of the first restore report on the page, by outcome. */
const countsOf = (p: Page) =>
  p.$eval(".restore-report .counts", (dl) =>
    Object.fromEntries(
      [...dl.querySelectorAll("dt")].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]),
    ),
  );
const repoPath = () => `/repositories/${w.tn.ns}/repo`;
const snapshotPath = (id: string) => `${repoPath()}/snapshots/${id}`;

describe("the console in Chromium, for a user who may read everything there", () => {
  it("signs in with a bearer token and lists the Repository", async () => {
    await visit(page, w.url, "/");
    expect(page.url()).toBe(`${w.url}/login?next=%2F`);
    expect(await checkPage(page, "login")).toEqual([]);
    await signIn(page, w.url, w.admin);
    expect(await page.$eval("#user", (e) => e.textContent)).toContain(`system:serviceaccount:${w.tn.ns}:admin`);
    expect(await texts(page, "table.data tbody td:first-child")).toEqual([`${w.tn.ns}/repo`]);
    expect(await checkPage(page, "repositories")).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("shows the timeline: both snapshots listed and charted", async () => {
    await page.click(`a[href="${repoPath()}"]`);
    await page.waitForSelector("#snapshots-h");
    expect(await texts(page, "table.data tbody td:first-child")).toEqual([...w.snapshots].reverse());
    expect(await page.$$eval("figure.chart svg", (s) => s.map((x) => x.querySelectorAll("circle").length))).toEqual([
      2, 2,
    ]);
    expect(await checkPage(page, "repository")).toEqual([]);
  });

  it("pages the tree, opens an object, and shows its history with the diff", async () => {
    await visit(page, w.url, snapshotPath(w.snapshots[1]));
    await page.waitForSelector("#tree[data-ready]");
    expect(await texts(page, "#tree > details > summary .mono")).toContain(w.app);
    await expand(page, w.app);
    await expand(page, "configmaps");
    expect(await checkPage(page, "snapshot-tree")).toEqual([]);
    await page.click(`a[href*="resource=configmaps"][href*="name=web"]`);
    await page.waitForSelector("#history-h");
    expect(await page.$eval("main h1", (e) => e.textContent)).toBe(`configmaps ${w.app}/web`);
    expect(await texts(page, "#manifest-h ~ pre .tok-key")).toContain("greeting");
    expect(await page.$eval("#manifest-h ~ pre", (e) => e.textContent)).toContain("greeting: hello, world");
    expect(await texts(page, ".history .change")).toEqual(["changed", "added"]);
    expect(await texts(page, ".history .diff-del")).toContain("removed: -  greeting: hello");
    expect(await texts(page, ".history .diff-add")).toContain("added: +  greeting: hello, world");
    expect(await checkPage(page, "object")).toEqual([]);
  });

  it("compares the two snapshots: the changed ConfigMap with its unified diff", async () => {
    await visit(page, w.url, repoPath());
    expect(await page.$eval("#diff-a", (e) => (e as HTMLSelectElement).value)).toBe(w.snapshots[0]);
    await page.click("form.inline-form button");
    await page.waitForSelector(".diff-stat");
    expect(await page.$eval("main h1", (e) => e.textContent)).toBe(`Diff ${w.snapshots[0]} → ${w.snapshots[1]}`);
    const changed = await texts(page, ".change-item.change-changed h3 a");
    expect(changed).toContain(`configmaps ${w.app}/web`);
    expect(await texts(page, ".change-item .diff-add")).toContain("added: +  greeting: hello, world");
    expect(await checkPage(page, "diff")).toEqual([]);
  });

  it("downloads a namespace as a zip that unpacks to the YAML kubedump download writes", async () => {
    const into = join(work, "browser");
    await allowDownloads(chromium.browser, into);
    await visit(page, w.url, snapshotPath(w.snapshots[1]));
    await page.waitForSelector("#tree[data-ready]");
    await expand(page, w.app);
    await page.click(".tree-namespace[open] a[data-format=zip]");
    const zip = await downloaded(into, ".zip");
    await unzip(zip, join(work, "unzipped"));
    const cli = join(work, "cli");
    await promisify(execFile)(process.execPath, [
      ...[CLI, "download", w.snapshots[1], "--to", cli],
      ...["--from-repository", `${w.tn.ns}/repo`, "--kubeconfig", t.kubeconfig],
    ]);
    const fromBrowser = filesBelow(join(work, "unzipped"));
    const fromCli = new Map([...filesBelow(cli)].filter(([p]) => p.startsWith(`namespaces/${w.app}/`)));
    expect([...fromBrowser.keys()]).toContain(`namespaces/${w.app}/secrets/db.yaml`);
    expect([...fromBrowser.keys()].sort()).toEqual([...fromCli.keys()].sort());
    for (const [path, yaml] of fromBrowser) expect(yaml, path).toBe(fromCli.get(path));
    expect(fromBrowser.get(`namespaces/${w.app}/configmaps/web.yaml`)).toContain("greeting: hello, world");
  });

  it("triggers a backup with Back up now and sees it succeed", { timeout: 180_000 }, async () => {
    await visit(page, w.url, "/backups");
    expect(await texts(page, "#configurations-h ~ table tbody td:first-child")).toEqual([`${w.tn.ns}/${w.config}`]);
    await page.click("button.trigger");
    await page.waitForSelector(".trigger-status[data-phase=Succeeded]", { timeout: 150_000 });
    expect(await page.$eval(".trigger-status", (e) => e.textContent)).toMatch(/BackupSession .+: Succeeded/);
    await page.waitForFunction(() => document.querySelectorAll("#sessions-h ~ div table tbody tr").length === 3);
    expect(await page.$$eval("#sessions-h ~ div svg circle", (c) => c.length)).toBe(3);
    expect(await checkPage(page, "backups")).toEqual([]);
  });

  it("restores only after showing the dry run's report and being told to go ahead", { timeout: 180_000 }, async () => {
    const web = `/api/v1/namespaces/${w.app}/configmaps/web`;
    expect((await kubeHttp(t, web, { method: "DELETE" })).status).toBe(200);
    await visit(page, w.url, `${repoPath()}/restore?snapshot=${w.snapshots[1]}`);
    await page.type("#includeNamespaces", w.app);
    await page.click("form.restore-form button[type=submit]");
    await page.waitForSelector(".restore-report[data-phase=Succeeded]", { timeout: 150_000 });
    expect(await page.$eval(".restore-report h3", (e) => e.textContent)).toContain("Dry run report");
    expect(await countsOf(page)).toMatchObject({ created: "1", failed: "0" });
    expect(await checkPage(page, "restore-dry-run")).toEqual([]);
    expect((await kubeHttp(t, web)).status).toBe(404);
    await page.click(".confirm button.danger");
    await page.waitForFunction(() => document.querySelectorAll(".restore-report[data-phase=Succeeded]").length === 2, {
      timeout: 150_000,
    });
    expect(await texts(page, ".restore-report h3")).toEqual(["Dry run report Succeeded", "Restore report Succeeded"]);
    expect((await kubeHttp(t, web)).body.data).toEqual({ greeting: "hello, world" });
    expect(problems).toEqual([]);
  });
});
