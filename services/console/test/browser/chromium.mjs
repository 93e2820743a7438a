// Debian's chromium (scripts/setup.sh installs it), driven by puppeteer-core: headless, and without
// the sandbox because the tests run as root. One browser per test file. Plain JavaScript so that
// `npm run bench:console` (test/bench/console.mjs) launches it the same way; chromium.d.mts types it.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

/** Where Chromium may be: Debian's binary (not its shell wrapper) first, then the others. */
const CANDIDATES = [
  "/usr/lib/chromium/chromium",
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

/** The Chromium to drive: CHROMIUM_PATH when set, else the first of CANDIDATES there is. */
export function findChromium(env = process.env) {
  const given = env.CHROMIUM_PATH;
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH ${given}: no such file`);
    return given;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found)
    throw new Error(`no Chromium found (tried ${CANDIDATES.join(", ")}): run scripts/setup.sh, or set CHROMIUM_PATH`);
  return found;
}

/** A headless Chromium with a profile of its own, removed on close (safe to call twice). */
export async function launchChromium() {
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
