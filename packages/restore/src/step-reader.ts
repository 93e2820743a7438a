import { yamlLoad } from "@kubedump/dump/yaml-load";
import { apiVersionOf, type KubeObject } from "@kubedump/kube";
import { IntegrityError, type Repository } from "@kubedump/repository";
import type { IndexRecord } from "@kubedump/repository/archive";
import { SnapshotDamagedError } from "./errors.js";
import { isObj } from "./plain.js";

/** An object of a step as read from the snapshot, or why its YAML cannot be restored. */
export type StepObject = { record: IndexRecord } & ({ object: KubeObject; problem?: undefined } | { problem: string });

const CHANGED = "the snapshot changed after it was verified; the restore stopped";

/**
 * The objects of `records`, streamed from the parts that hold them in one read of the repository
 * (Repository.readObjects with `objects`): each part only as far as its last wanted entry (format
 * 1), each pack fetched once and the next ones while one is read (format 2); nothing is extracted
 * to disk and only the entries of this step are parsed. Each object's bytes are checked against
 * its index record again by that read (the snapshot was verified before the first write, but it
 * may have been replaced since): a difference, or an object missing from its part, throws
 * SnapshotDamagedError. A YAML document that does not name the object its record names is not
 * restored: it comes with a problem.
 */
export async function* readStepObjects(
  repository: Repository,
  snapshotId: string,
  records: readonly IndexRecord[],
): AsyncGenerator<StepObject> {
  const wanted = new Map(records.map((record) => [record.path, record]));
  try {
    for await (const { path, data } of repository.readObjects(snapshotId, { objects: records })) {
      const record = wanted.get(path);
      if (!record) continue;
      wanted.delete(path);
      if (data.length !== record.bytes)
        throw new SnapshotDamagedError(snapshotId, [`${path}: differs from its index record`], CHANGED);
      yield parseObject(record, data);
    }
  } catch (err) {
    // The read checks each object against its record's sha256 and its part: an IntegrityError.
    if (err instanceof IntegrityError && !(err instanceof SnapshotDamagedError))
      throw new SnapshotDamagedError(snapshotId, [err.message], CHANGED, { cause: err });
    throw err;
  }
  const [missing] = wanted.keys();
  if (missing !== undefined)
    throw new SnapshotDamagedError(snapshotId, [`${missing}: not found in part ${wanted.get(missing)?.part}`], CHANGED);
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
