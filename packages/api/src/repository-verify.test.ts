import { describe, expect, it } from "vitest";
import { validateRepository } from "./repository.js";
import { mergePatch, repositoryFixture } from "./test-fixtures.js";

const withVerify = (verify: object) => mergePatch(repositoryFixture(), { spec: { verify } });

describe("a Repository's spec.verify", () => {
  it("is optional: a Repository without it is never verified", () => {
    const result = validateRepository(repositoryFixture());
    expect(result.ok && result.value.spec.verify).toBeUndefined();
  });

  it.each([
    [
      { schedule: "0 4 * * 0", readData: 10 },
      { schedule: "0 4 * * 0", timeZone: "UTC", readData: 10 },
    ],
    [
      { schedule: "@weekly", timeZone: "Europe/Berlin", readData: 100 },
      { schedule: "@weekly", timeZone: "Europe/Berlin", readData: 100 },
    ],
    [
      { schedule: "*/30 * * * *", readData: 0 },
      { schedule: "*/30 * * * *", timeZone: "UTC", readData: 0 },
    ],
  ])("accepts %j, time zone UTC unless given", (verify, parsed) => {
    const result = validateRepository(withVerify(verify));
    expect(result.ok ? result.value.spec.verify : result.errors).toEqual(parsed);
  });

  it.each([
    ["an hour out of range", { schedule: "0 25 * * *", readData: 5 }, 'spec.verify.schedule: hour "25"'],
    ["four fields", { schedule: "0 4 * *", readData: 5 }, "spec.verify.schedule: must be 5 cron fields"],
    ["an unknown zone", { schedule: "@daily", timeZone: "Mars/Olympus", readData: 5 }, "spec.verify.timeZone"],
    ["readData above 100", { schedule: "@daily", readData: 101 }, "spec.verify.readData: Too big"],
    ["a fractional readData", { schedule: "@daily", readData: 2.5 }, "spec.verify.readData"],
    ["no readData", { schedule: "@daily" }, "spec.verify.readData: Invalid input"],
    ["no schedule", { readData: 5 }, "spec.verify.schedule: Invalid input"],
  ])("rejects %s, naming the field", (_name, verify, message) => {
    const result = validateRepository(withVerify(verify));
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.errors.join("\n")).toContain(message);
  });
});
