// Steps the browser tests take on the console's pages.
import type { Page } from "puppeteer-core";

/** Signs in on the login page with `token` and waits for the repositories. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/login`, { waitUntil: "networkidle0" });
  await page.type("#token", token);
  await Promise.all([
    page.waitForFunction(() => document.title.startsWith("Repositories")),
    page.click("form.login button"),
  ]);
  // The list of Repositories comes after the heading: wait until its request has been answered.
  await page.waitForNetworkIdle({ idleTime: 300 });
}

/** Goes to a console path and waits until its heading is there and the network is quiet. */
export async function visit(page: Page, url: string, path: string): Promise<void> {
  await page.goto(`${url}${path}`, { waitUntil: "networkidle0" });
  await page.waitForSelector("main h1");
}

/** The text of every element matching `selector`. */
export function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? "").trim()));
}

/** Opens the <details> whose summary contains `text` (a click, as a user would) and waits for its body. */
export async function expand(page: Page, text: string): Promise<void> {
  const summaries = await page.$$("summary");
  for (const s of summaries) {
    const t = await s.evaluate((e) => e.textContent ?? "");
    if (!t.includes(text)) continue;
    await s.click();
    await page.waitForFunction((el) => !el.parentElement?.querySelector(":scope > .tree-body > .loading"), {}, s);
    return;
  }
  throw new Error(`no tree entry "${text}" on ${page.url()}`);
}

/** The status of a GET made by the page itself (with its cookie), e.g. a download link. */
export function statusOf(page: Page, href: string): Promise<number> {
  return page.evaluate(async (h) => (await fetch(h)).status, href);
}
