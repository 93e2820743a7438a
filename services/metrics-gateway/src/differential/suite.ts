// Registers a table of differential cases as vitest tests: one real Pushgateway per test file,
// wiped before each case, and a fresh kubedump gateway (its own Redis key prefix) per case.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { type Pushgateway, startPushgateway } from "@kubedump/testenv";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { startGateway } from "../test-support.js";
import type { DiffCase } from "./case-table.js";
import { runCase } from "./run-case.js";
import { ownFamilyNames } from "./scrape-compare.js";

const WIPE_TIMEOUT_MS = 5_000;

export function differentialCases(cases: readonly DiffCase[]): void {
  let pushgateway: Pushgateway;
  const own = new Set<string>();

  beforeAll(async () => {
    pushgateway = await startPushgateway();
    const { gw, url } = await startGateway();
    for (const target of [pushgateway.url, url]) {
      for (const name of ownFamilyNames(await (await fetch(`${target}/metrics`)).text())) own.add(name);
    }
    await gw.close();
  });
  afterAll(async () => {
    await pushgateway?.stop();
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    await wipe(pushgateway.url);
    const { gw, url } = await startGateway();
    try {
      await runCase(c, { url }, { url: pushgateway.url }, own);
      expectNoPromtoolErrors(await promtoolCheck(await (await fetch(`${url}/metrics`)).text()));
    } finally {
      await gw.close();
    }
  });
}

/** Empties the Pushgateway through its admin API and waits until its JSON API shows no group. */
async function wipe(url: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/admin/wipe`, { method: "PUT" });
  expect(res.status).toBe(202);
  const deadline = Date.now() + WIPE_TIMEOUT_MS;
  for (;;) {
    const { data } = (await (await fetch(`${url}/api/v1/metrics`)).json()) as { data: unknown[] };
    if (data.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the Pushgateway still holds ${data.length} groups after a wipe`);
    await sleep(10);
  }
}

export interface PromtoolResult {
  code: number;
  output: string;
}

/** `promtool check metrics` on a /metrics answer. */
export function promtoolCheck(text: string): Promise<PromtoolResult> {
  return new Promise((done, fail) => {
    const child = spawn(inject("testenv").promtool, ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, output }));
    child.stdin.end(text);
  });
}

/**
 * promtool exits 1 when the text does not parse and 3 for lint problems. What was pushed may
 * lack HELP or a `_total` suffix (the pusher's business), but the gateway must never serve text
 * that does not parse, nor a series twice.
 */
export function expectNoPromtoolErrors(result: PromtoolResult): void {
  expect(result.code, result.output).not.toBe(1);
  expect(result.output).not.toMatch(/not unique|error/i);
  expect([0, 3], result.output).toContain(result.code);
}
