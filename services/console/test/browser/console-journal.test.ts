// An object's history in a real headless Chromium with the journal of continuous capture: the
// snapshot and the journal's changes as one timeline, newest first, the gap marked, each change's
// diff shown and its YAML opened on demand; checked by axe and screenshotted.
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ConsoleFixture, consoleFixture, journalChanges } from "../../src/test-support.js";
import { type Chromium, launchChromium } from "./chromium.mjs";
import { signIn, texts, visit } from "./console-page.js";
import { checkPage, openPage } from "./page-checks.js";

const t = inject("testenv");
let f: ConsoleFixture;
let chromium: Chromium;
let page: Page;
let problems: string[];

beforeAll(async () => {
  [f, chromium] = await Promise.all([consoleFixture(t, "cweb-journal", {}, 2), launchChromium()]);
  await journalChanges(t, f);
  ({ page, problems } = await openPage(chromium.browser));
}, 300_000);
afterAll(async () => {
  await chromium?.close();
  await f?.close();
});

const objectPath = () =>
  `/repositories/${f.tn.ns}/repo/snapshots/${f.snapshot}/object?group=&resource=configmaps&namespace=${f.app}&name=cm-05`;

describe("the console in Chromium: an object's timeline with the journal", () => {
  it("shows the journal's changes and the gap with the snapshot, newest first, each change with its diff", async () => {
    await signIn(page, f.url, f.reader);
    await visit(page, f.url, objectPath());
    await page.waitForSelector("#history-h");
    const kinds = await page.$$eval(".history > li", (items) =>
      items.map((li) =>
        li.classList.contains("history-gap") ? "gap" : li.classList.contains("journal-item") ? "journal" : "snapshot",
      ),
    );
    expect(kinds).toEqual(["gap", "journal", "journal", "snapshot"]);
    expect(await texts(page, ".journal-item .change")).toEqual(["modified", "modified"]);
    expect(await texts(page, ".history-gap .change")).toEqual(["gap (restart)"]);
    expect(await texts(page, ".journal-item .diff-add")).toEqual(
      expect.arrayContaining(["added: +  'n': FIVE", "added: +  'n': five"]),
    );
    expect(await checkPage(page, "object-journal")).toEqual([]);
  });

  it("opens the YAML of one recorded version", async () => {
    const [newest] = await page.$$(".journal-item .journal-yaml summary");
    await newest?.click();
    await page.waitForSelector(".journal-item .journal-yaml pre");
    expect(await texts(page, ".journal-item .journal-yaml pre")).toEqual([expect.stringContaining("'n': FIVE")]);
    expect(problems).toEqual([]);
  });
});
