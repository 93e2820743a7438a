// `kubedump prune` on a format-2 repository: the line saying what S3 Object Lock still retains.
import { describe, expect, it } from "vitest";
import { retainedLine } from "./commands/prune.js";

describe("retainedLine", () => {
  it("is empty when nothing was spared", () => {
    expect(retainedLine({ packs: 0, indexFiles: 0 })).toBe("");
  });

  it("says what was left and when the last lock ends", () => {
    const retainedUntil = new Date("2099-01-01T00:00:00Z");
    expect(retainedLine({ packs: 3, indexFiles: 1, retainedUntil })).toBe(
      "left 3 packs and 1 index files that S3 Object Lock retains (the last lock ends 2099-01-01T00:00:00.000Z); a later prune removes them\n",
    );
  });
});
