import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, freePorts } from "./ports.js";

describe("freePorts", () => {
  it("gives different ports, each of which can then be listened on", async () => {
    for (let round = 0; round < 20; round++) {
      const ports = await freePorts(5);
      expect(new Set(ports).size).toBe(5);
      for (const port of ports) {
        const server = createServer();
        await new Promise<void>((done, fail) => {
          server.on("error", fail);
          server.listen(port, "127.0.0.1", () => done());
        });
        await new Promise<void>((done) => server.close(() => done()));
      }
    }
  });

  it("gives one port through freePort", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });
});
