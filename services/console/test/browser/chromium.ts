// Debian's chromium (scripts/setup.sh installs it), driven by puppeteer-core: headless, and without
// the sandbox because the tests run as root. One browser per test file.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

/** Where Chromium may be: CHROMIUM_PATH first, then Debian's binary (not its shell wrapper), then the others. */
const CANDIDATES = [
  "/usr/lib/chromium/chromium",
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const given = env["CHROMIUM_PATH"];
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH ${given}: no such file`);
    return given;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found)
    throw new Error(`no Chromium found (tried ${CANDIDATES.join(", ")}): run scripts/setup.sh, or set CHROMIUM_PATH`);
  return found;
}

export interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

/** A headless Chromium with a profile of its own, removed on close. */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), "kubedump-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    userDataDir: profile,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--window-size=1280,900"],
    defaultViewport: { width: 1280, height: 900 },
  });
  let closed = false;
  return {
    browser,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await browser.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}
