import { formatValue, renderTextFormat } from "@kubedump/metrics";
import { describe, expect, it } from "vitest";
import { goPush } from "./pushgateway-support.js";
import { newPrefix, scrape, send, startGateway } from "./test-support.js";

// Replicas of the gateway that share one Redis (and GATEWAY_KEY_PREFIX) are one Pushgateway: what
// one has answered for, the other serves at once.

/** Two replicas on one key prefix. */
async function replicas(vars: Record<string, string> = {}): Promise<[string, string]> {
  const shared = { GATEWAY_KEY_PREFIX: newPrefix(), ...vars };
  const [a, b] = await Promise.all([startGateway(shared), startGateway(shared)]);
  return [a.url, b.url];
}

/** The pushed part of /metrics (series with a job label), exactly as served: values and push times included. */
async function pushed(url: string): Promise<string> {
  const families = (await scrape(url))
    .map((f) => ({ ...f, samples: f.samples.filter((s) => s.labels.job !== undefined) }))
    .filter((f) => f.samples.length > 0);
  return renderTextFormat(families);
}

async function json(url: string, path: string): Promise<unknown> {
  const res = await fetch(`${url}/api/v1/${path}`);
  expect(res.status).toBe(200);
  return res.json();
}

describe("two gateway replicas sharing one Redis", () => {
  it("serve the same /metrics and /api/v1/metrics after every write made through either", async () => {
    const [a, b] = await replicas({ ENABLE_ADMIN_API: "true" });
    type Step = [string, () => Promise<unknown>, (text: string) => void];
    const steps: Step[] = [
      [
        "PUT to A",
        () => send(a, "PUT", "/metrics/job/r/instance/1", "r_gauge 1\nr_other 2\n"),
        (t) => expect(t).toMatch(/^r_gauge\{instance="1",job="r"\} 1$/m),
      ],
      [
        "POST to B",
        () => send(b, "POST", "/metrics/job/r/instance/1", "r_gauge 5\n"),
        (t) => expect(t).toMatch(/^r_gauge\{instance="1",job="r"\} 5$/m),
      ],
      [
        "PUT of a second group to B",
        () => send(b, "PUT", "/metrics/job/r/instance/2", "r_gauge 7\n"),
        (t) => expect(t).toMatch(/instance="2"/),
      ],
      [
        "a failed push to A",
        () => send(a, "PUT", "/metrics/job/r/instance/2", "r_gauge 1 123\n"),
        (t) => expect(t).toMatch(/^push_failure_time_seconds\{instance="2",job="r"\} [1-9]/m),
      ],
      [
        "a Go client push to B",
        () => goPush(b, { job: "go", metrics: ["counter", "summary"] }),
        (t) => expect(t).toMatch(/^gopush_counter_total\{instance="",job="go"\} 42$/m),
      ],
      [
        "DELETE through A of what B took",
        () => send(a, "DELETE", "/metrics/job/go"),
        (t) => expect(t).not.toMatch(/job="go"/),
      ],
      [
        "DELETE through B of what A took",
        () => send(b, "DELETE", "/metrics/job/r/instance/1"),
        (t) => expect(t).not.toMatch(/instance="1"/),
      ],
      ["a wipe through A", () => fetch(`${a}/api/v1/admin/wipe`, { method: "PUT" }), (t) => expect(t).toBe("")],
    ];
    for (const [title, write, check] of steps) {
      await write();
      const [fromA, fromB] = await Promise.all([pushed(a), pushed(b)]);
      expect(fromB, title).toBe(fromA);
      expect(await json(b, "metrics"), title).toEqual(await json(a, "metrics"));
      check(fromA);
    }
  });

  it("take concurrent pushes through both into one consistent state: every group kept, one type per name", async () => {
    const [a, b] = await replicas();
    const writes = Array.from({ length: 16 }, (_, i) =>
      send(i % 2 === 0 ? a : b, "PUT", `/metrics/job/c/instance/${i}`, `c_metric{n="${i}"} ${i}\n`),
    );
    // The same name as a counter through A and as a gauge through B: exactly one of them can hold it.
    const conflict = [
      send(a, "PUT", "/metrics/job/t/instance/a", "# TYPE c_typed counter\nc_typed 1\n"),
      send(b, "PUT", "/metrics/job/t/instance/b", "# TYPE c_typed gauge\nc_typed 2\n"),
    ];
    const answers = await Promise.all([...writes, ...conflict]);
    expect(answers.slice(0, 16).map((r) => r.status)).toEqual(Array(16).fill(200));
    expect(
      answers
        .slice(16)
        .map((r) => r.status)
        .sort(),
    ).toEqual([200, 400]);
    const [fromA, fromB] = await Promise.all([pushed(a), pushed(b)]);
    expect(fromB).toBe(fromA);
    const values = (await scrape(a)).flatMap((f) => f.samples).filter((s) => s.name === "c_metric");
    expect(values.map((s) => formatValue(s.value)).sort()).toEqual(
      Array.from({ length: 16 }, (_, i) => String(i)).sort(),
    );
    expect(fromA.match(/^c_typed\{/gm)).toHaveLength(1);
  });
});

describe("PUT /api/v1/admin/wipe", () => {
  it("is not served unless ENABLE_ADMIN_API is true: 404, nothing removed", async () => {
    const { url } = await startGateway();
    await send(url, "PUT", "/metrics/job/keep", "kept 1\n");
    expect((await fetch(`${url}/api/v1/admin/wipe`, { method: "PUT" })).status).toBe(404);
    expect(await pushed(url)).toMatch(/^kept\{instance="",job="keep"\} 1$/m);
  });

  it("needs the push token when one is set, and then removes every group", async () => {
    const [a, b] = await replicas({ ENABLE_ADMIN_API: "true", PUSH_TOKEN: "t0ken" });
    const auth = { authorization: "Bearer t0ken" };
    for (const i of [1, 2, 3]) expect((await send(a, "PUT", `/metrics/job/w${i}`, "w 1\n", auth)).status).toBe(200);
    expect((await fetch(`${b}/api/v1/admin/wipe`, { method: "PUT" })).status).toBe(401);
    expect(await pushed(a)).toMatch(/job="w3"/);
    expect((await fetch(`${b}/api/v1/admin/wipe`, { method: "PUT", headers: auth })).status).toBe(202);
    expect(await pushed(a)).toBe("");
    expect(await json(a, "metrics")).toEqual({ status: "success", data: [] });
  });
});
