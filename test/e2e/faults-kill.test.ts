import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { configOfSet, type FaultBench, makeConfigMaps, startFaultBench } from "./fault-bench.js";
import { expectNothingLost, killAtStep } from "./fault-kill.js";
import { incompleteUploads, newSnapshotId, readIntoDump, snapshotFiles } from "./fault-observe.js";

// Issue 17, fault 1 (first half): a dump worker SIGKILLed during a LIST, during a part upload, and
// after the index is stored but before snapshot.json. Each step is told from outside the worker:
// its scratch directory and the bytes it read (/proc/<pid>/io), and the bucket as MinIO lists it,
// with Toxiproxy slowing the worker's way to the API server or MinIO so the step lasts seconds.
// The same replica is started again and takes the job over once its lock lapses (3 s).

let b: FaultBench;
const LIST_BYTES = 4 * 600_000;

beforeAll(async () => {
  b = await startFaultBench(inject("testenv"), "e2e-fk");
  await makeConfigMaps(b.e2e, "list", 4, 600_000); // random: a LIST of 2.4 MB, 24 s at 100 KB/s
  await makeConfigMaps(b.e2e, "big", 20, 1_000_000, "k"); // 20 MB stored: one part, uploaded in two pieces
  await makeConfigMaps(b.e2e, "small", 3, 1000, "s");
  await configOfSet(b.e2e, "list", "list");
  await configOfSet(b.e2e, "big", "big", { params: [{ name: "gzipLevel", value: "0" }] });
  await configOfSet(b.e2e, "small", "small");
});
afterAll(async () => {
  await b?.stop();
});

describe("a dump worker SIGKILLed mid-backup; the restarted replica finishes the session", () => {
  it("during a LIST: nothing was uploaded; one snapshot, Succeeded, nothing left", { timeout: 300_000 }, async () => {
    const r = await killAtStep(b, {
      label: "w-list",
      config: "list",
      session: "list-1",
      slowApi: true,
      before: async () => {
        await b.toxiproxy.client.addToxic(b.proxies.api, { type: "bandwidth", attributes: { rate: 100 } });
      },
      step: "a quarter of the LIST read",
      probe: (victim) => readIntoDump(victim, LIST_BYTES / 4),
    });
    expect(r.at, "bytes read since the dump started").toBeLessThan(LIST_BYTES);
    expect(r.idsAtKill).toEqual(r.idsBefore); // nothing of the snapshot in the bucket yet
    expect(r.scratchAtKill).toHaveLength(1); // what the killed worker spooled; its restart removed it
    await expectNothingLost(b, r, 4);
  });

  it("during a part upload: the dead multipart upload is aborted by the sweep", { timeout: 300_000 }, async () => {
    const r = await killAtStep(b, {
      label: "w-part",
      config: "big",
      session: "big-1",
      before: async () => {
        const rate = 4096; // KB/s: 16 MiB, the first piece, takes 4 s
        await b.toxiproxy.client.addToxic(
          b.proxies.minio,
          { type: "bandwidth", attributes: { rate } },
          { stream: "upstream" },
        );
      },
      step: "a multipart upload of a part started",
      probe: () => async () => {
        const uploads = (await incompleteUploads(b.t, b.e2e.prefix)).filter((k) => k.includes("/parts/"));
        return uploads.length ? uploads : undefined;
      },
    });
    expect(r.at).toHaveLength(1);
    const id = r.session.status.snapshot.id;
    expect(r.at[0]).toContain(`/snapshots/${id}/parts/`);
    const swept = await expectNothingLost(b, r, 20);
    expect(swept.incompleteUploads, "the killed worker's upload, aborted by the sweep").toBe(1);
  });

  it("after the index, before snapshot.json: the snapshot is not listed until the restart commits it", {
    timeout: 300_000,
  }, async () => {
    const r = await killAtStep(b, {
      label: "w-index",
      config: "small",
      session: "small-1",
      before: async () => {
        await b.toxiproxy.client.addToxic(b.proxies.minio, { type: "latency", attributes: { latency: 1000 } });
      },
      step: "index and part stored, no snapshot.json",
      probe: (_victim, before) => async () => {
        const id = await newSnapshotId(b.t, b.e2e.prefix, before);
        if (!id) return undefined;
        const files = await snapshotFiles(b.t, b.e2e.prefix, id);
        const stored = files.includes("index.json.gz") && files.some((f) => f.startsWith("parts/"));
        return stored && !files.includes("snapshot.json") ? { id, files } : undefined;
      },
    });
    expect(r.at.files).not.toContain("snapshot.json");
    expect(r.session.status.snapshot.id).toBe(r.at.id); // the same id: the restart completed that snapshot
    await expectNothingLost(b, r, 3);
  });
});
