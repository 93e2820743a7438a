import { describe, expect, it } from "vitest";
import { createLiveLine, readProgressLine } from "./progress.js";

/** A stream double that keeps what is written. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, s: { isTTY, write: (t: string) => written.push(t) > 0 } as unknown as NodeJS.WriteStream };
}

describe("createLiveLine", () => {
  it("on a terminal redraws one line at most every 100 ms and clears it when done", () => {
    let t = 1_000;
    const { written, s } = stream(true);
    const line = createLiveLine<number>((n, secs) => `${n} objects after ${secs} s`, { stream: s, now: () => t });
    line.update(1);
    t += 50;
    line.update(2); // too soon: not drawn
    t += 100;
    line.update(3);
    line.done();
    line.done(); // once cleared, nothing more
    expect(written).toEqual(["\r\x1b[2K1 objects after 0 s", "\r\x1b[2K3 objects after 0.15 s", "\r\x1b[2K"]);
  });

  it("on a terminal draws a new stage at once, whatever the interval", () => {
    let t = 1_000;
    const { written, s } = stream(true);
    const stage = (p: { stage: string; n: number }) => p.stage;
    const line = createLiveLine<{ stage: string; n: number }>((p) => `${p.stage} ${p.n}`, {
      stream: s,
      now: () => t,
      stage,
    });
    line.update({ stage: "verifying", n: 0 });
    t += 10;
    line.update({ stage: "verifying", n: 1 }); // the same stage, too soon: not drawn
    line.update({ stage: "step 1", n: 2 });
    t += 10;
    line.update({ stage: "step 2", n: 3 });
    expect(written).toEqual(["\r\x1b[2Kverifying 0", "\r\x1b[2Kstep 1 2", "\r\x1b[2Kstep 2 3"]);
  });

  it("elsewhere writes a plain line every 5 s and nothing when done", () => {
    let t = 0;
    const { written, s } = stream(false);
    const line = createLiveLine<number>((n) => `${n} objects`, { stream: s, now: () => t });
    line.update(1); // the first 5 s: nothing
    t = 5_000;
    line.update(2);
    t = 6_000;
    line.update(3);
    line.done();
    expect(written).toEqual(["progress: 2 objects\n"]);
  });

  it("elsewhere writes nothing at all when told to be quiet off a terminal", () => {
    let t = 0;
    const { written, s } = stream(false);
    const line = createLiveLine<number>((n) => `${n} objects`, { stream: s, now: () => t, offTerminal: "quiet" });
    for (t = 0; t <= 20_000; t += 1_000) line.update(t);
    line.done();
    expect(written).toEqual([]);
  });
});

describe("readProgressLine", () => {
  const p = { objects: 3, totalObjects: 4, bytes: 1536, totalBytes: 2048 };

  it("shows objects and bytes of the totals on a terminal", () => {
    const { written, s } = stream(true);
    const line = readProgressLine("verified", undefined, { stream: s, now: () => 1_000 });
    line.update(p);
    expect(written).toEqual(["\r\x1b[2Kverified 3/4 objects, 1.5 KiB of 2.0 KiB (75%)"]);
  });

  it.each([
    ["off a terminal", false, undefined],
    ["with -o json", true, "json"],
    ["with -o yaml", true, "yaml"],
  ])("is quiet %s", (_, isTTY, output) => {
    const { written, s } = stream(isTTY);
    const line = readProgressLine("read", output, { stream: s, now: () => 10_000 });
    line.update(p);
    line.done();
    expect(written).toEqual([]);
  });
});
