import { describe, expect, it } from "vitest";
import { createLiveLine } from "./progress.js";

/** A stream double that keeps what is written. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, s: { isTTY, write: (t: string) => written.push(t) > 0 } as unknown as NodeJS.WriteStream };
}

describe("createLiveLine", () => {
  it("on a terminal redraws one line at most every 100 ms and clears it when done", () => {
    let t = 1_000;
    const { written, s } = stream(true);
    const line = createLiveLine<number>(
      (n, secs) => `${n} objects after ${secs} s`,
      s,
      () => t,
    );
    line.update(1);
    t += 50;
    line.update(2); // too soon: not drawn
    t += 100;
    line.update(3);
    line.done();
    line.done(); // once cleared, nothing more
    expect(written).toEqual(["\r\x1b[2K1 objects after 0 s", "\r\x1b[2K3 objects after 0.15 s", "\r\x1b[2K"]);
  });

  it("elsewhere writes a plain line every 5 s and nothing when done", () => {
    let t = 0;
    const { written, s } = stream(false);
    const line = createLiveLine<number>(
      (n) => `${n} objects`,
      s,
      () => t,
    );
    line.update(1); // the first 5 s: nothing
    t = 5_000;
    line.update(2);
    t = 6_000;
    line.update(3);
    line.done();
    expect(written).toEqual(["progress: 2 objects\n"]);
  });
});
