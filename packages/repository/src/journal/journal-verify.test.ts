// verify and the journal, on a local directory: sound segments give no problem; a segment naming
// a blob no index file lists, or whose bytes changed, is a problem naming its key.
import { describe, expect, inject, it } from "vitest";
import { blobId } from "../format2/keys.js";
import { testStores } from "../format2/test-support.js";
import { verifyRepository } from "../format2/verify.js";
import { JournalWriter } from "./journal-writer.js";
import { scopeIdOf, segmentKey } from "./layout.js";
import { encodeSegment } from "./segment-format.js";
import { Churn, SCOPE, T0 } from "./test-support.js";

const { localStore } = testStores(inject("testenv"), "kubedump-journal", "verify");

describe("verify with a journal", () => {
  it("passes sound segments and names the segments that are not", async () => {
    const store = localStore();
    const churn = new Churn(3);
    churn.modify(T0, "web-1");
    churn.remove(T0 + 1000, "web-2");
    const writer = new JournalWriter({ store, keys: null, scope: SCOPE });
    for (const event of churn.events) if ("change" in event) await writer.append(event.change);
    const sound = await writer.flush();
    await writer.close();
    expect((await verifyRepository({ store, keys: null })).problems).toEqual([]);

    const scopeId = scopeIdOf(null, SCOPE);
    const ref = { group: "", version: "v1", resource: "configmaps", namespace: "shop", name: "gone", uid: "u" };
    const missing = blobId(null, Buffer.from("never stored"));
    const record = {
      type: "change",
      time: T0 + 5000,
      kind: "added",
      ref,
      resourceVersion: "7",
      blob: missing,
    } as const;
    const dangling = encodeSegment(null, scopeId, [record]);
    const danglingKey = segmentKey(scopeId, T0 + 5000, T0 + 5000, dangling.id);
    await store.put(danglingKey, dangling.data);
    const bytes = await store.getBuffer(sound?.key ?? "");
    await store.put(sound?.key ?? "", Buffer.concat([bytes, Buffer.from("x")]));

    const messages = (await verifyRepository({ store, keys: null })).problems.map((p) => p.message);
    expect(messages).toEqual([
      `journal segment ${sound?.key} does not read: ${sound?.key}: journal segment bytes do not hash to its id`,
      `journal segment ${danglingKey}: data blob ${missing} is in no index file`,
    ]);
  });
});
