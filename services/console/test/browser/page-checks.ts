// What every browser test checks on a page: no CSP violation or script error, no serious or critical
// accessibility violation (axe-core), and a screenshot kept with the test results.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import axe from "axe-core";
import type { Page } from "puppeteer-core";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
/** Where CI keeps the screenshots, with the other test results. */
export const SCREENSHOT_DIR = join(ROOT, "test-results", "console-screenshots");

export interface WatchedPage {
  page: Page;
  /** Script errors and Content-Security-Policy violations seen so far. */
  problems: string[];
}

/** A new tab (of a browser or one of its contexts) that records script errors and CSP violations. */
export async function openPage(browser: { newPage(): Promise<Page> }): Promise<WatchedPage> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${(err as Error).message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  return { page, problems };
}

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * axe-core's violations of impact serious or critical on the page as it is. axe is evaluated through
 * the DevTools protocol, which the page's CSP does not govern (a <script> tag would be refused).
 */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  await page.evaluate(axe.source);
  const found = await page.evaluate(async () => {
    const w = window as unknown as { axe: typeof axe };
    const result = await w.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? "",
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
  return found.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** A full-page screenshot under test-results/console-screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The page's screenshot and its accessibility findings, for `expect(...).toEqual([])`. */
export async function checkPage(page: Page, name: string): Promise<AxeFinding[]> {
  await screenshot(page, name);
  return seriousViolations(page);
}
