import { randomBytes } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FrameDeflater } from "./frame-deflater.js";
import { deploymentYaml } from "./test-support.js";

describe("FrameDeflater", () => {
  it("gives each frame, deflated while others are, as a raw deflate stream of its own", async () => {
    const yaml = Buffer.concat(Array.from({ length: 60 }, (_, i) => deploymentYaml("shop", `web-${i}`)));
    const frames = [yaml, randomBytes(70_000), Buffer.alloc(0), Buffer.from("x"), yaml, Buffer.alloc(300_000, 1)];
    const deflater = new FrameDeflater(1);
    const deflated = await Promise.all([...frames, ...frames].map((f) => deflater.deflate(f)));
    deflater.close();
    deflated.forEach((d, i) => {
      const frame = frames[i % frames.length] as Buffer;
      expect(inflateRawSync(d, { maxOutputLength: Math.max(1, frame.length) }).equals(frame)).toBe(true);
    });
    // No frame refers back to the one before: the same plaintext gives the same bytes wherever it comes.
    expect(deflated[4]?.equals(deflated[0] as Buffer)).toBe(true);
    expect(deflated[6]?.equals(deflated[0] as Buffer)).toBe(true);
    expect(deflated[0]?.length).toBeLessThan(yaml.length / 5);
  });

  it("fails frames given after it was closed", async () => {
    const deflater = new FrameDeflater(6);
    expect((await deflater.deflate(Buffer.from("before"))).length).toBeGreaterThan(0);
    deflater.close();
    deflater.close();
    await expect(deflater.deflate(Buffer.from("after"))).rejects.toThrow();
  });
});
