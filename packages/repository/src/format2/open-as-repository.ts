import { ObjectNotFoundError } from "../errors.js";
import { REPOSITORY_KEY } from "../snapshot/layout.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import type { Repository, RepositoryOptions } from "../snapshot/repository.js";
import type { ObjectStore } from "../stores/object-store.js";
import { Format2AsRepository } from "./as-repository.js";
import { openFormat2Repository } from "./repository.js";

/** repository.json as stored, or undefined when there is none (read once by openRepository). */
export async function readStoredConfigBytes(store: ObjectStore): Promise<Buffer | undefined> {
  return store.getBuffer(REPOSITORY_KEY, MAX_JSON_BYTES).catch((err: unknown) => {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  });
}

/**
 * repository.json's formatVersion, undefined when there is none or it is not a JSON object (the
 * opener of its format then names the problem).
 */
export function formatVersionOf(data: Buffer | undefined): unknown {
  if (data === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(data.toString("utf8"));
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)["formatVersion"]
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A format-2 repository behind format 1's Repository interface (the codec and upload retries of
 * format 1 do not apply). `configBytes`: repository.json as openRepository read it (null: none).
 */
export async function openFormat2AsRepository(
  options: RepositoryOptions,
  configBytes: Buffer | null,
): Promise<Repository> {
  const { store, password, kdf, now, indexCacheDir } = options;
  const format2 = await openFormat2Repository({ store, password, kdf, now, indexCacheDir, configBytes });
  return new Format2AsRepository(store, format2);
}
