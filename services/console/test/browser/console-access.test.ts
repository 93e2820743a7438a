// Who may see what, in a real headless Chromium: a user without get on Secrets sees their keys with
// the values masked and gets 403 on the raw download; a user without any grant sees nothing; a
// request without a token gets 401 and the page asks for one. The tree pages names a page at a time.
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ConsoleFixture, consoleFixture, SECRET_VALUE } from "../../src/test-support.js";
import { type Chromium, launchChromium } from "./chromium.mjs";
import { expand, signIn, statusOf, texts, visit } from "./console-page.js";
import { checkPage, openPage } from "./page-checks.js";

const t = inject("testenv");
let f: ConsoleFixture;
let chromium: Chromium;

beforeAll(async () => {
  [f, chromium] = await Promise.all([consoleFixture(t, "cweb-access"), launchChromium()]);
}, 300_000);
afterAll(async () => {
  await chromium?.close();
  await f?.close();
});

/** A tab in a browser context of its own (its own cookies), with its script errors and CSP violations. */
async function freshPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.createBrowserContext();
  return openPage(context);
}

const snapshotPath = () => `/repositories/${f.tn.ns}/repo/snapshots/${f.snapshot}`;
const objectPath = (resource: string, name: string) =>
  `${snapshotPath()}/object?group=&resource=${resource}&namespace=${f.app}&name=${name}`;

describe("the console in Chromium: who may see what", () => {
  it("shows a user without get on Secrets the keys, values masked, and refuses the raw download (403)", async () => {
    const { page, problems } = await freshPage(chromium.browser);
    await signIn(page, f.url, f.reader);
    await visit(page, f.url, objectPath("secrets", "db"));
    const yaml = await page.$eval("#manifest-h ~ pre", (e) => e.textContent ?? "");
    expect(yaml).toMatch(/password: .*\*\*\*/);
    expect(yaml).not.toContain(SECRET_VALUE);
    expect(yaml).not.toContain(Buffer.from(SECRET_VALUE).toString("base64"));
    expect(await texts(page, "#manifest-h ~ .notice")).toEqual([
      "Secret values are masked (***): you may not get secrets in this namespace.",
    ]);
    for (const format of ["yaml", "zip"]) {
      const href = await page.$eval(`#manifest-h ~ .download-box a[data-format="${format}"]`, (a) => a.href);
      expect(await statusOf(page, href)).toBe(403);
    }
    expect(await checkPage(page, "object-masked")).toEqual([]);
    await visit(page, f.url, objectPath("configmaps", "cm-03"));
    expect(await page.$eval("#manifest-h ~ pre", (e) => e.textContent)).toContain("'n': '3'");
    const href = await page.$eval('#manifest-h ~ .download-box a[data-format="yaml"]', (a) => a.href);
    expect(await statusOf(page, href)).toBe(200);
    expect(problems).toEqual([]);
  });

  it("pages the names of a type with Load more", async () => {
    const { page } = await freshPage(chromium.browser);
    await signIn(page, f.url, f.reader);
    await visit(page, f.url, `${snapshotPath()}?pageSize=10`);
    await page.waitForSelector("#tree[data-ready]");
    await expand(page, f.app);
    await expand(page, "configmaps");
    const names = () => texts(page, ".tree-type[open] .tree-names a");
    expect(await names()).toHaveLength(10);
    for (const shown of [20, 25]) {
      await page.click(".tree-type[open] button.load-more");
      await page.waitForFunction(
        (n) => document.querySelectorAll(".tree-type[open] .tree-names a").length === n,
        {},
        shown,
      );
    }
    const all = await names();
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => `cm-${String(i).padStart(2, "0")}`));
    expect(await page.$(".tree-type[open] button.load-more")).toBeNull();
  });

  it("answers 401 to a request without a token, and the page asks to sign in", async () => {
    const { page } = await freshPage(chromium.browser);
    await visit(page, f.url, snapshotPath());
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(new URL(page.url()).searchParams.get("next")).toBe(snapshotPath());
    const answer = await page.evaluate(async () => {
      const res = await fetch("/api/v1/repositories");
      return { status: res.status, body: await res.json() };
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatch(/token/);
    await page.type("#token", "not-a-token");
    await page.click("form.login button");
    await page.waitForSelector("form.login [role=alert]");
    expect(await texts(page, "form.login [role=alert]")).toEqual(["The cluster did not accept this token."]);
    await page.$eval("#token", (e) => {
      (e as HTMLTextAreaElement).value = "";
    });
    await page.type("#token", f.reader);
    await page.click("form.login button");
    await page.waitForSelector("#tree[data-ready]");
    expect(new URL(page.url()).pathname).toBe(snapshotPath());
  });

  it("tells a user without any grant what permission is missing", async () => {
    const { page } = await freshPage(chromium.browser);
    await signIn(page, f.url, f.nobody);
    expect(await texts(page, "main p")).toContain("No Repository you may read.");
    await visit(page, f.url, `/repositories/${f.tn.ns}/repo`);
    const [alert] = await texts(page, "main [role=alert]");
    expect(alert).toMatch(/^Not allowed: .*get.*repositories/);
    expect(await checkPage(page, "not-allowed")).toEqual([]);
  });
});
