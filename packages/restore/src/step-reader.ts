import { createHash } from "node:crypto";
import { yamlLoad } from "@kubedump/dump/yaml-load";
import { apiVersionOf, type KubeObject } from "@kubedump/kube";
import type { Repository } from "@kubedump/repository";
import type { IndexRecord } from "@kubedump/repository/archive";
import { SnapshotDamagedError } from "./errors.js";
import { isObj } from "./plain.js";

/** An object of a step as read from the snapshot, or why its YAML cannot be restored. */
export type StepObject = { record: IndexRecord } & ({ object: KubeObject; problem?: undefined } | { problem: string });

const CHANGED = "the snapshot changed after it was verified; the restore stopped";

/**
 * The objects of `records`, streamed from the parts that hold them, one part at a time and each
 * only as far as its last wanted entry: nothing is extracted to disk and only the entries of this
 * step are parsed. Each object's bytes are checked against its index record again (the snapshot
 * was verified before the first write, but it may have been replaced since): a difference, or an
 * object missing from its part, throws SnapshotDamagedError. A YAML document that does not name
 * the object its record names is not restored: it comes with a problem.
 */
export async function* readStepObjects(
  repository: Repository,
  snapshotId: string,
  records: readonly IndexRecord[],
): AsyncGenerator<StepObject> {
  const byPart = new Map<number, Map<string, IndexRecord>>();
  for (const record of records) {
    const wanted = byPart.get(record.part) ?? new Map<string, IndexRecord>();
    byPart.set(record.part, wanted);
    wanted.set(record.path, record);
  }
  for (const [part, wanted] of [...byPart].sort(([a], [b]) => a - b)) {
    for await (const { path, data } of repository.readObjects(snapshotId, { parts: [part] })) {
      const record = wanted.get(path);
      if (!record) continue;
      wanted.delete(path);
      if (data.length !== record.bytes || createHash("sha256").update(data).digest("hex") !== record.sha256) {
        throw new SnapshotDamagedError(snapshotId, [`${path}: differs from its index record`], CHANGED);
      }
      yield parseObject(record, data);
      if (wanted.size === 0) break;
    }
    const [missing] = wanted.keys();
    if (missing !== undefined) {
      throw new SnapshotDamagedError(snapshotId, [`${missing}: not found in part ${part}`], CHANGED);
    }
  }
}

/**
 * The YAML as an object, checked to be the one its record names. yamlLoad gives what js-yaml's
 * load gives, faster on what the emitter writes (docs/decisions.md).
 */
export function parseObject(record: IndexRecord, data: Buffer): StepObject {
  let value: unknown;
  try {
    value = yamlLoad(data.toString("utf8"));
  } catch (err) {
    return { record, problem: `its YAML cannot be read: ${(err as Error).message.split("\n")[0]}` };
  }
  const metadata = isObj(value) ? value["metadata"] : undefined;
  if (!isObj(value) || !isObj(metadata)) return { record, problem: "its YAML is not a Kubernetes object" };
  const found = [value["apiVersion"], value["kind"], metadata["namespace"], metadata["name"]];
  const expected = [apiVersionOf(record.group, record.version), record.kind, record.namespace, record.name];
  if (found.some((v, i) => v !== expected[i])) {
    const show = (v: unknown[]) => v.map((x) => (x === undefined ? "-" : String(x))).join(" ");
    return { record, problem: `its YAML names ${show(found)}, its index record ${show(expected)}` };
  }
  return { record, object: value as KubeObject };
}
