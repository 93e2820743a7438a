// Files the browser downloads, and trees of YAML files to compare.
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "puppeteer-core";

const execFileP = promisify(execFile);

/** Lets the browser save downloads into `dir`. */
export async function allowDownloads(browser: Browser, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const session = await browser.target().createCDPSession();
  await session.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir });
}

/** The first finished file in `dir` whose name ends with `suffix` (Chromium writes .crdownload first). */
export async function downloaded(dir: string, suffix: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const done = readdirSync(dir).find((f) => f.endsWith(suffix));
    if (done) return join(dir, done);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `no *${suffix} downloaded into ${dir} within ${timeoutMs} ms (there: ${readdirSync(dir).join(", ")})`,
  );
}

/** Unpacks a zip file with Debian's unzip (scripts/setup.sh installs it). */
export async function unzip(file: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  await execFileP("unzip", ["-q", file, "-d", into]);
}
