import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ObjectNotFoundError } from "../errors.js";
import { checkKey, checkPrefix, checkRange, pastEnd, TEMP_PREFIX, tooLarge } from "./object-key.js";
import type { ObjectEntry, ObjectStat, ObjectStore } from "./object-store.js";

export interface LocalObjectStoreOptions {
  /** Directory that holds the objects; created on first write. */
  root: string;
}

interface WalkOutput {
  entries: ObjectEntry[];
  temps?: ObjectEntry[];
}

/** `.kubedump-tmp-<12 hex>-<name>` → `<name>`: the file a temp file is to become. */
function targetName(tempName: string): string {
  return tempName.slice(TEMP_PREFIX.length + 13);
}

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : undefined;
}

/** link(2) errors that mean "copy instead": another filesystem, or one without hard links. */
const CANNOT_LINK = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS"]);

/** A temporary name beside `target`: listings skip it, and a sweep removes it once old. */
function tempPathFor(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${randomBytes(6).toString("hex")}-${basename(target)}`);
}

/**
 * Creates `path`'s directories, then runs `create` (which makes `path`); retries once if a
 * concurrent delete pruned a directory in between.
 */
async function withParents<T>(path: string, create: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    await mkdir(dirname(path), { recursive: true });
    try {
      return await create();
    } catch (err) {
      if (errorCode(err) !== "ENOENT" || attempt > 0) throw err;
    }
  }
}

/** Renames a synced temporary file into place; removes it if that fails. */
async function renameInto(temp: string, target: string): Promise<void> {
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** An ObjectStore in a local directory (a mounted volume, or the CLI's default). */
export class LocalObjectStore implements ObjectStore {
  readonly root: string;

  constructor({ root }: LocalObjectStoreOptions) {
    this.root = resolve(root);
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    await this.writeAtomically(this.pathOf(key), body);
  }

  async putIfAbsent(key: string, body: Buffer): Promise<boolean> {
    const target = this.pathOf(key);
    const temp = await this.writeTemp(target, body);
    try {
      await link(temp, target); // fails with EEXIST instead of replacing, unlike rename
      return true;
    } catch (err) {
      if (errorCode(err) === "EEXIST") return false;
      throw err;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    await this.put(key, createReadStream(localPath));
  }

  async adoptFile(key: string, localPath: string): Promise<boolean> {
    const target = this.pathOf(key);
    const temp = tempPathFor(target);
    try {
      await withParents(temp, () => link(localPath, temp));
    } catch (err) {
      if (CANNOT_LINK.has(errorCode(err) ?? "")) return false;
      throw err;
    }
    try {
      // The scratch file was never synced: its bytes reach the disk before its name does.
      const handle = await open(temp, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await renameInto(temp, target);
    return true;
  }

  async get(key: string): Promise<Readable> {
    return (await this.openObject(key, Number.POSITIVE_INFINITY)).handle.createReadStream();
  }

  async getBuffer(key: string, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
    const { handle } = await this.openObject(key, maxBytes);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    checkRange(key, offset, length);
    const { handle, size } = await this.openObject(key, Number.POSITIVE_INFINITY);
    try {
      if (offset + length > size) throw pastEnd(key, offset, length, size);
      const out = Buffer.allocUnsafe(length);
      for (let done = 0; done < length; ) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw pastEnd(key, offset, length); // cut short meanwhile
        done += bytesRead;
      }
      return out;
    } finally {
      await handle.close();
    }
  }

  /** The object's file, open for reading, and its size; ObjectNotFoundError unless it is a file, IntegrityError above `maxBytes`. */
  private async openObject(key: string, maxBytes: number): Promise<{ handle: FileHandle; size: number }> {
    const handle = await open(this.pathOf(key), "r").catch((err: unknown) => this.notFound(key, err));
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ObjectNotFoundError(key);
      if (info.size > maxBytes) throw tooLarge(key, maxBytes);
      return { handle, size: info.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size, mtime: info.mtime } : undefined;
    } catch (err) {
      if (errorCode(err) === "ENOENT" || errorCode(err) === "ENOTDIR") return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    checkPrefix(prefix);
    const slash = prefix.lastIndexOf("/");
    const dirKey = prefix.slice(0, slash + 1);
    const entries: ObjectEntry[] = [];
    await this.walk(join(this.root, dirKey), dirKey, prefix.slice(slash + 1), { entries });
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* entries;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if (errorCode(err) === "ENOENT" || errorCode(err) === "ENOTDIR") return;
      throw err;
    }
    await this.pruneEmptyParents(dirname(path));
  }

  async removeIncompleteUploads(prefix: string, olderThan: Date): Promise<number> {
    checkPrefix(prefix);
    const slash = prefix.lastIndexOf("/");
    const dirKey = prefix.slice(0, slash + 1);
    const temps: ObjectEntry[] = [];
    await this.walk(join(this.root, dirKey), dirKey, prefix.slice(slash + 1), { entries: [], temps });
    let removed = 0;
    for (const temp of temps) {
      if (temp.mtime && temp.mtime >= olderThan) continue;
      await rm(join(this.root, ...temp.key.split("/")), { force: true });
      removed += 1;
    }
    return removed;
  }

  private pathOf(key: string): string {
    return join(this.root, ...checkKey(key).split("/"));
  }

  private notFound(key: string, err: unknown): never {
    const code = errorCode(err);
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR")
      throw new ObjectNotFoundError(key, { cause: err });
    throw err;
  }

  /** Writes a temporary file beside `target`, syncs it, then renames it into place. */
  private async writeAtomically(target: string, body: Buffer | Readable): Promise<void> {
    await renameInto(await this.writeTemp(target, body), target);
  }

  /** A synced temporary file beside `target` holding `body`; removed again if writing fails. */
  private async writeTemp(target: string, body: Buffer | Readable): Promise<string> {
    const temp = tempPathFor(target);
    try {
      const handle = await withParents(temp, () => open(temp, "wx"));
      if (Buffer.isBuffer(body)) {
        try {
          await handle.writeFile(body);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } else {
        // The write stream owns the handle from here: `flush` syncs before it closes it.
        await pipeline(body, handle.createWriteStream({ flush: true }));
      }
      return temp;
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /** Collects the objects below `dir` into `out.entries`, and in-flight temp files into `out.temps`. */
  private async walk(dir: string, dirKey: string, namePrefix: string, out: WalkOutput): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errorCode(err) === "ENOENT" || errorCode(err) === "ENOTDIR") return;
      throw err;
    }
    for (const name of names) {
      const temp = name.startsWith(TEMP_PREFIX);
      if (temp && !out.temps) continue;
      if (!(temp ? targetName(name) : name).startsWith(namePrefix)) continue;
      const path = join(dir, name);
      const info = await stat(path).catch((err: unknown) => {
        if (errorCode(err) === "ENOENT") return undefined; // deleted while listing
        throw err;
      });
      if (info?.isDirectory()) await this.walk(path, `${dirKey}${name}/`, "", out);
      else if (info?.isFile())
        (temp ? out.temps : out.entries)?.push({ key: `${dirKey}${name}`, size: info.size, mtime: info.mtime });
    }
  }

  /** Removes directories left empty by a delete, up to (not including) the root. */
  private async pruneEmptyParents(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.root + sep)) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty, already gone, or not ours to remove
      }
      current = dirname(current);
    }
  }
}

export function createLocalObjectStore(options: LocalObjectStoreOptions): LocalObjectStore {
  return new LocalObjectStore(options);
}
