import type { Format2Keys } from "../format2/keys.js";
import { type Format2ConfigOptions, openFormat2Config } from "../format2/repository-config.js";

/**
 * The keys a journal writer or reader of the format-2 repository in `options.store` needs (null:
 * unencrypted), the password checked against repository.json; a store without one gets it first.
 */
export async function openJournalKeys(options: Format2ConfigOptions): Promise<Format2Keys | null> {
  return (await openFormat2Config(options)).ensureWritten();
}
