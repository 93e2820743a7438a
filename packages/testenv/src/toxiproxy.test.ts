import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { startToxiproxy, type Toxiproxy } from "./servers/toxiproxy.js";
import { ToxiproxyError } from "./toxiproxy-client.js";

const env = inject("testenv");
const redisUpstream = `127.0.0.1:${new URL(env.redisUrl).port}`;

type PingResult = { reply: string; ms: number } | { error: string; ms: number };

/** Sends `count` PINGs one after another over one fresh connection to host:port. */
function pings(listen: string, count: number, beforeEach?: (i: number) => Promise<void>): Promise<PingResult[]> {
  const [host, port] = [listen.slice(0, listen.lastIndexOf(":")), Number(listen.slice(listen.lastIndexOf(":") + 1))];
  return new Promise((done) => {
    const results: PingResult[] = [];
    const socket = connect({ host, port });
    let started = 0;
    const next = async () => {
      if (results.length === count) return socket.end(() => done(results));
      await beforeEach?.(results.length);
      started = performance.now();
      socket.write("PING\r\n");
    };
    socket.setTimeout(10_000);
    socket.on("connect", () => void next());
    socket.on("data", (chunk) => {
      results.push({ reply: chunk.toString().trim(), ms: performance.now() - started });
      void next();
    });
    const fail = (error: string) => {
      if (results.length < count) results.push({ error, ms: performance.now() - started });
      socket.destroy();
      done(results);
    };
    socket.on("timeout", () => fail("timeout"));
    socket.on("error", (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.on("close", () => fail("closed"));
  });
}

describe("toxiproxy in front of the real Redis", () => {
  let dir: string;
  let toxiproxy: Toxiproxy;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kubedump-toxiproxy-"));
    toxiproxy = await startToxiproxy(dir);
  });
  afterAll(async () => {
    await toxiproxy?.process.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => toxiproxy.client.reset());

  it("passes a PING through untouched, then a 300 ms latency toxic slows each PING by at least 300 ms", async () => {
    const proxy = await toxiproxy.client.createProxy("redis-latency", redisUpstream);
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.listen).not.toBe("127.0.0.1:0");
    const [clean] = await pings(proxy.listen, 1);
    expect(clean).toMatchObject({ reply: "+PONG" });
    expect(clean?.ms).toBeLessThan(300); // under the latency the toxic adds

    const toxic = await toxiproxy.client.addToxic(proxy.name, { type: "latency", attributes: { latency: 300 } });
    const slow = await pings(proxy.listen, 2);
    expect(slow.map((r) => ("reply" in r ? r.reply : r.error))).toEqual(["+PONG", "+PONG"]);
    for (const r of slow) expect(r.ms).toBeGreaterThanOrEqual(300);

    await toxiproxy.client.removeToxic(proxy.name, toxic);
    const [after] = await pings(proxy.listen, 1);
    expect(after?.ms).toBeLessThan(300);
  });

  it("a reset_peer toxic breaks connections: an open one is closed, a new one is reset, neither gets a PONG", async () => {
    const proxy = await toxiproxy.client.createProxy("redis-reset", redisUpstream);
    const open = await pings(proxy.listen, 2, async (i) => {
      if (i === 1) await toxiproxy.client.addToxic(proxy.name, { type: "reset_peer", attributes: { timeout: 0 } });
    });
    expect(open[0]).toMatchObject({ reply: "+PONG" });
    // Toxiproxy sets SO_LINGER 0 (an RST on close) only on connections made after the toxic exists.
    expect(open[1]).toMatchObject({ error: "closed" });
    expect((await pings(proxy.listen, 1))[0]).toMatchObject({ error: "ECONNRESET" });
  });

  it("a timeout toxic swallows the PING and closes the connection after its timeout", async () => {
    const proxy = await toxiproxy.client.createProxy("redis-timeout", redisUpstream);
    await toxiproxy.client.addToxic(
      proxy.name,
      { type: "timeout", attributes: { timeout: 400 } },
      { stream: "upstream" },
    );
    const [result] = await pings(proxy.listen, 1);
    expect(result).not.toHaveProperty("reply");
    expect(result?.ms).toBeGreaterThanOrEqual(400);
  });

  it("a disabled proxy refuses connections; enabled again, on the same port, it answers", async () => {
    const proxy = await toxiproxy.client.createProxy("redis-disable", redisUpstream);
    expect((await toxiproxy.client.setEnabled(proxy.name, false)).enabled).toBe(false);
    expect((await pings(proxy.listen, 1))[0]).toMatchObject({ error: "ECONNREFUSED" });
    const enabled = await toxiproxy.client.setEnabled(proxy.name, true);
    expect(enabled.listen).toBe(proxy.listen);
    expect((await pings(proxy.listen, 1))[0]).toMatchObject({ reply: "+PONG" });
  });

  it("a bandwidth toxic is accepted and an unknown proxy is an error naming it", async () => {
    const proxy = await toxiproxy.client.createProxy("redis-bandwidth", redisUpstream);
    await toxiproxy.client.addToxic(proxy.name, { type: "bandwidth", attributes: { rate: 1 } });
    expect((await pings(proxy.listen, 1))[0]).toMatchObject({ reply: "+PONG" });
    const missing = toxiproxy.client.addToxic("no-such-proxy", { type: "latency", attributes: { latency: 1 } });
    await expect(missing).rejects.toThrow(ToxiproxyError);
    await expect(missing).rejects.toThrow(/no-such-proxy.*404/);
  });
});
