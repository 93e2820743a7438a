import { describe, expect, it } from "vitest";
import { EncryptionMismatchError, RepositoryFormatError, WrongPasswordError } from "../errors.js";
import { openRepository } from "../snapshot/repository.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { collect, stageSnapshot, testObjects } from "../test-support.js";
import { openFormat2Repository } from "./repository.js";
import { clusterObjects, draftV2, testDirectory } from "./test-support.js";

const inTmp = testDirectory("config");
const CHEAP = { N: 2 ** 12 };
const ID = "20261126T020000Z-00000001";
let n = 0;
const newStore = () => createLocalObjectStore({ root: inTmp(`s${n++}`) });

describe("format 2 repository.json", () => {
  it("is written on the first write, not on open, with formatVersion 2", async () => {
    const store = newStore();
    const repository = await openFormat2Repository({ store, password: "pw", kdf: CHEAP });
    expect(await store.stat("repository.json")).toBeUndefined();
    await repository.writeSnapshot(draftV2(ID), clusterObjects(5, 1));
    const config = JSON.parse((await store.getBuffer("repository.json")).toString());
    expect(config).toMatchObject({ formatVersion: 2, encryption: { cipher: "aes-256-gcm", kdf: { N: 2 ** 12 } } });
  });

  it("keeps the parameters of the writer that created it first: both writers' snapshots read with one password", async () => {
    const store = newStore();
    const [a, b] = await Promise.all([
      openFormat2Repository({ store, password: "pw", kdf: CHEAP }),
      openFormat2Repository({ store, password: "pw", kdf: CHEAP }),
    ]);
    await a.writeSnapshot(draftV2(ID), clusterObjects(5, 1));
    await b.writeSnapshot(draftV2("20261126T030000Z-00000001"), clusterObjects(5, 1));
    const reader = await openFormat2Repository({ store, password: "pw" });
    expect(await collect(reader.readObjects("20261126T030000Z-00000001"))).toHaveLength(5);
    expect(await collect(reader.readObjects(ID))).toHaveLength(5);
  });

  it.each([
    ["a wrong password", { password: "wrong" }, WrongPasswordError],
    ["no password", {}, EncryptionMismatchError],
  ])("refuses %s before reading anything", async (_, options, error) => {
    const store = newStore();
    await (await openFormat2Repository({ store, password: "pw", kdf: CHEAP })).writeSnapshot(draftV2(ID), []);
    await expect(openFormat2Repository({ store, ...options })).rejects.toThrow(error);
  });

  it("refuses a format-1 repository; openRepository reads a format-2 one but commits no format-1 parts to it", async () => {
    const store = newStore();
    const staged = await stageSnapshot(inTmp("stage"), ID, testObjects(3));
    await (await openRepository({ format: 1, store })).commitSnapshot(staged);
    await expect(openFormat2Repository({ store })).rejects.toThrow(/formatVersion: must be 2/);
    const other = newStore();
    await (await openFormat2Repository({ store: other })).writeSnapshot(draftV2(ID), []);
    const opened = await openRepository({ format: 1, store: other });
    expect((await opened.getSnapshot(ID)).formatVersion).toBe(2);
    const parts = await stageSnapshot(inTmp("stage2"), "20261126T050000Z-0a0a0a0a", testObjects(1));
    await expect(opened.commitSnapshot(parts)).rejects.toThrow(RepositoryFormatError);
  });
});
