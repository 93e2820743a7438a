import { describe, expect, it } from "vitest";
import { LabelKeys, MetadataDecodeError, metadataContinueOf, readMetadataPage, shortText } from "./metadata-page.js";

// A protobuf writer just big enough to build pages by hand (the real server's are read in
// packages/dump/src/snapshot-changed.test.ts).
const varint = (n: number): number[] => {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return out;
};
const bytes = (no: number, value: Buffer | string): Buffer => {
  const data = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.from([...varint(no * 8 + 2), ...varint(data.length), ...data]);
};
const bool = (no: number, value: boolean) => Buffer.from([...varint(no * 8), value ? 1 : 0]);
const message = (...fields: Buffer[]) => Buffer.concat(fields);
const envelope = (list: Buffer) =>
  Buffer.concat([Buffer.from("k8s\0", "latin1"), bytes(1, message(bytes(1, "meta.k8s.io/v1"))), bytes(2, list)]);

const owner = message(bytes(1, "ReplicaSet"), bytes(3, "web-1"), bytes(4, "u-rs"), bytes(5, "apps/v1"), bool(6, true));
const objectMeta = message(
  bytes(1, "web-1-abc"),
  bytes(3, "shop"),
  bytes(5, "u-pod"),
  bytes(6, "42"),
  Buffer.from([...varint(7 * 8), 3]), // generation: a varint to skip
  bytes(11, message(bytes(1, "app"), bytes(2, "web"))),
  bytes(13, owner),
  bytes(17, message(bytes(1, "kubectl"))), // managedFields: skipped
);
const page = envelope(
  message(
    bytes(1, message(bytes(2, "1234"), bytes(3, "next-token"))),
    bytes(2, message(bytes(1, objectMeta))),
    bytes(2, message(bytes(1, message(bytes(1, "cluster-thing"), bytes(5, "u-2"), bytes(6, "7"))))),
  ),
);

describe("readMetadataPage", () => {
  it("reads each item's identity, labels and owners, and the list's continue token", () => {
    expect(readMetadataPage(page)).toEqual({
      continue: "next-token",
      resourceVersion: "1234",
      items: [
        {
          name: "web-1-abc",
          namespace: "shop",
          uid: "u-pod",
          resourceVersion: "42",
          labels: { app: "web" },
          ownerReferences: [
            { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u-rs", controller: true },
          ],
        },
        { name: "cluster-thing", uid: "u-2", resourceVersion: "7" },
      ],
    });
  });

  it("reads only the labels of the keys asked for, in either order of an entry's fields", () => {
    const label = (key: string, value: string) => bytes(11, message(bytes(1, key), bytes(2, value)));
    const valueFirst = (key: string, value: string) => bytes(11, message(bytes(2, value), bytes(1, key)));
    const item = message(
      bytes(1, "a"),
      bytes(5, "u-a"),
      bytes(6, "1"),
      label("app", "web"),
      label("kubedump.io/exclude", "true"),
      valueFirst("tier", "front"),
      label("tie", "short"), // a prefix of a key asked for is not that key
      valueFirst("team", "shop"),
    );
    const body = envelope(message(bytes(2, message(bytes(1, item)))));
    expect(readMetadataPage(body).items[0]?.labels).toEqual({
      app: "web",
      "kubedump.io/exclude": "true",
      tier: "front",
      tie: "short",
      team: "shop",
    });
    const some = LabelKeys.of(["kubedump.io/exclude", "tier", "absent"]);
    expect(readMetadataPage(body, some).items[0]?.labels).toEqual({ "kubedump.io/exclude": "true", tier: "front" });
    const [none] = readMetadataPage(body, LabelKeys.of(["absent"])).items;
    expect(none).toEqual({ name: "a", uid: "u-a", resourceVersion: "1" }); // no labels member at all
  });

  it("keeps an owner reference's members in the order of its JSON encoding", () => {
    const [item] = readMetadataPage(page).items;
    expect(Object.keys(item?.ownerReferences?.[0] ?? {})).toEqual(["apiVersion", "kind", "name", "uid", "controller"]);
  });

  it.each([
    ["JSON", Buffer.from('{"kind":"PartialObjectMetadataList","items":[]}'), /not Kubernetes protobuf/],
    ["an envelope without a message", Buffer.from("k8s\0", "latin1"), /holds no message/],
    ["a page cut short", page.subarray(0, page.length - 5), /runs past its message/],
    ["a varint cut off", Buffer.concat([Buffer.from("k8s\0", "latin1"), Buffer.from([0x12, 0xff])]), /cut off/],
  ])("refuses %s with MetadataDecodeError", (_what, body, message) => {
    expect(() => readMetadataPage(body)).toThrow(MetadataDecodeError);
    expect(() => readMetadataPage(body)).toThrow(message);
  });
});

describe("metadataContinueOf", () => {
  it("reads the continue token that readMetadataPage reads, without the items", () => {
    expect(metadataContinueOf(page)).toBe("next-token");
    expect(metadataContinueOf(page)).toBe(readMetadataPage(page).continue);
  });

  it("gives none for the last page, and finds the list's metadata after its items too", () => {
    const last = envelope(message(bytes(1, message(bytes(2, "99"))), bytes(2, message(bytes(1, objectMeta)))));
    expect(metadataContinueOf(last)).toBeUndefined();
    const itemsFirst = envelope(message(bytes(2, message(bytes(1, objectMeta))), bytes(1, message(bytes(3, "t2")))));
    expect(metadataContinueOf(itemsFirst)).toBe("t2");
    expect(readMetadataPage(itemsFirst).continue).toBe("t2");
  });

  it("refuses what is not Kubernetes protobuf as readMetadataPage does", () => {
    expect(() => metadataContinueOf(Buffer.from('{"items":[]}'))).toThrow(MetadataDecodeError);
    expect(() => metadataContinueOf(Buffer.from("k8s\0", "latin1"))).toThrow(/holds no message/);
  });
});

describe("shortText", () => {
  it("gives the same string for the same bytes wherever they lie, and the bytes' own text always", () => {
    const body = Buffer.from("xx app.kubernetes.io/name yy app.kubernetes.io/name");
    const first = shortText(body, 3, 25);
    expect(first).toBe("app.kubernetes.io/name");
    expect(shortText(body, 29, 51)).toBe(first);
    // every short ASCII text of 20,000 distinct ones comes back as itself, whatever slots they share
    const wrong: string[] = [];
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 20_000; i++) {
        const text = `team-${i}`;
        const got = shortText(Buffer.from(`.${text}`), 1, text.length + 1);
        if (got !== text) wrong.push(`${text}: ${got}`);
      }
    expect(wrong).toEqual([]);
    expect(shortText(body, 3, 25)).toBe("app.kubernetes.io/name");
  });

  it("leaves to the caller what is not ASCII or is longer than 64 bytes", () => {
    expect(shortText(Buffer.from("équipe"), 0, Buffer.byteLength("équipe"))).toBeUndefined();
    expect(shortText(Buffer.alloc(65, 0x61), 0, 65)).toBeUndefined();
    expect(shortText(Buffer.alloc(64, 0x61), 0, 64)).toBe("a".repeat(64));
  });

  it("is what readMetadataPage reads labels with: non-ASCII labels and namespaces come out whole", () => {
    const item = (name: string, ns: string, value: string) =>
      bytes(
        2,
        message(bytes(1, message(bytes(1, name), bytes(3, ns), bytes(11, message(bytes(1, "team"), bytes(2, value)))))),
      );
    const body = envelope(message(item("a", "shop", "ünits"), item("b", "shop", "units"), item("c", "läden", "ünits")));
    expect(readMetadataPage(body).items.map((m) => [m.namespace, m.labels?.team])).toEqual([
      ["shop", "ünits"],
      ["shop", "units"],
      ["läden", "ünits"],
    ]);
  });
});
