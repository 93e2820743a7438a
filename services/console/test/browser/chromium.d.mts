import type { Browser } from "puppeteer-core";

export function findChromium(env?: NodeJS.ProcessEnv): string;

export interface Chromium {
  browser: Browser;
  /** Closes the browser and removes its profile; safe to call twice. */
  close(): Promise<void>;
}

export function launchChromium(): Promise<Chromium>;
