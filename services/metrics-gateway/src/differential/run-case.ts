// Sends a case's steps to both gateways and compares what they answer and serve after each step.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import type { DiffCase, Step } from "./case-table.js";
import { type NormalScrape, normaliseScrape } from "./scrape-compare.js";

/** A gateway under test, by where it listens. */
export interface Target {
  url: string;
}

export interface Outcome {
  status: number;
  /** The Location of a redirect, relative to the gateway. */
  location?: string;
}

/** Pushgateway applies a DELETE after answering 202: polled this long for the result to show. */
const SETTLE_MS = 2_000;
const DOCS = new URL("../../../../docs/metrics.md", import.meta.url);

/** Sends one step as a user would: fetch for raw requests, redirects not followed. */
export async function send(target: Target, step: Step): Promise<Outcome> {
  if (step.client) return { status: await step.client(target.url) };
  const res = await fetch(`${target.url}${step.path}`, {
    method: step.method,
    headers: step.headers,
    body: step.body,
    redirect: "manual",
  });
  await res.arrayBuffer();
  const location = res.headers.get("location");
  return location === null ? { status: res.status } : { status: res.status, location: relative(location, target) };
}

const relative = (location: string, target: Target): string =>
  location.startsWith(target.url) ? location.slice(target.url.length) : location;

export async function scrapeOf(target: Target, ownNames: ReadonlySet<string>): Promise<NormalScrape> {
  const res = await fetch(`${target.url}/metrics`);
  return normaliseScrape(res.status, await res.text(), ownNames);
}

/**
 * Runs a case: after every step both gateways must have answered alike (status, redirect target)
 * and serve the same pushed series; a step marked `differs` is checked against its documented
 * outcome instead, and ends the case.
 */
export async function runCase(c: DiffCase, kubedump: Target, pushgateway: Target, own: ReadonlySet<string>) {
  for (const [i, step] of c.steps.entries()) {
    const at = `${c.name}, step ${i + 1} (${step.method} ${step.path})`;
    const [k, p] = [await send(kubedump, step), await send(pushgateway, step)];
    if (step.differs) {
      expect(i, `${at}: a differing step ends its case`).toBe(c.steps.length - 1);
      expect(readFileSync(DOCS, "utf8"), `${at}: docs/metrics.md explains it`).toContain(`### ${step.differs.doc}`);
      const { kubedump: kStatus, pushgateway: pStatus, locations } = step.differs;
      expect({ kubedump: k, pushgateway: p }, at).toEqual({
        kubedump: locations ? { status: kStatus, location: locations.kubedump } : { status: kStatus },
        pushgateway: locations ? { status: pStatus, location: locations.pushgateway } : { status: pStatus },
      });
      expect((await scrapeOf(kubedump, own)).series, `${at}: kubedump's series`).toEqual(step.differs.kubedumpSeries);
      if (step.differs.pushgatewayScrape !== undefined)
        expect((await scrapeOf(pushgateway, own)).status, `${at}: Pushgateway's scrape`).toBe(
          step.differs.pushgatewayScrape,
        );
      return;
    }
    expect(k, at).toEqual(p);
    await expectSameScrape(at, c, kubedump, pushgateway, own, p.status === 202);
  }
}

async function expectSameScrape(
  at: string,
  c: DiffCase,
  kubedump: Target,
  pushgateway: Target,
  own: ReadonlySet<string>,
  settle: boolean,
): Promise<void> {
  const mine = comparable(await scrapeOf(kubedump, own), c);
  let theirs = comparable(await scrapeOf(pushgateway, own), c);
  for (const deadline = Date.now() + SETTLE_MS; settle && Date.now() < deadline; await sleep(20)) {
    if (JSON.stringify(theirs) === JSON.stringify(mine)) break;
    theirs = comparable(await scrapeOf(pushgateway, own), c);
  }
  expect(mine, `${at}: the series served after it`).toEqual(theirs);
}

const comparable = (s: NormalScrape, c: DiffCase): Partial<NormalScrape> =>
  c.helpMayDiffer ? { status: s.status, series: s.series } : s;
