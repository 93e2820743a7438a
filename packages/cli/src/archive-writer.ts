import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { access, link, rename, rm } from "node:fs/promises";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import type { TarArchive, ZipArchive } from "archiver";
import { UsageError } from "./target.js";

export type ArchiveFormat = "zip" | "tar.gz";

const FORMAT_OF_SUFFIX: [string, ArchiveFormat][] = [
  [".zip", "zip"],
  [".tar.gz", "tar.gz"],
  [".tgz", "tar.gz"],
];

/** zlib's own default: archives for mail and laptops, where size matters more than in the repository. */
const ARCHIVE_GZIP_LEVEL = 6;

/** The format a file name asks for; UsageError naming `--archive` for any other name. */
export function archiveFormatOf(file: string): ArchiveFormat {
  const name = basename(file).toLowerCase();
  const found = file.endsWith("/")
    ? undefined
    : FORMAT_OF_SUFFIX.find(([suffix]) => name.endsWith(suffix) && name.length > suffix.length);
  if (!found) throw new UsageError(`--archive "${file}": the file name must end in .zip, .tar.gz or .tgz`);
  return found[1];
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Fails naming the file and `--force` when it exists and may not be replaced. */
async function refuseToOverwrite(file: string, force: boolean): Promise<void> {
  if (!force && (await exists(file)))
    throw new UsageError(`--archive "${file}": the file exists (--force replaces it)`);
}

export interface ArchiveEntry {
  path: string;
  data: Buffer;
}

export interface WriteArchiveInput {
  file: string;
  format: ArchiveFormat;
  entries: AsyncIterable<ArchiveEntry>;
  /** Every entry's modification time (the snapshot's), so one snapshot always gives the same entries. */
  date: Date;
  /** Replace an existing file; without it an existing file is left alone and this fails. */
  force: boolean;
}

export interface WriteArchiveResult {
  entries: number;
  /** YAML bytes archived. */
  bytes: number;
  /** Size of the archive file. */
  archiveBytes: number;
}

/** archiver is loaded here, not when the CLI starts: only `download --archive` needs it (about 0.1 s). */
async function createArchive(format: ArchiveFormat): Promise<ZipArchive | TarArchive> {
  const { TarArchive, ZipArchive } = await import("archiver");
  return format === "zip"
    ? new ZipArchive({ zlib: { level: ARCHIVE_GZIP_LEVEL } })
    : new TarArchive({ gzip: true, gzipOptions: { level: ARCHIVE_GZIP_LEVEL } });
}

/**
 * Streams entries into one .zip or .tar.gz with archiver, one entry at a time (nothing is
 * extracted to disk first). The archive is written beside `file` under a temporary name and
 * appears under its own name only when complete; without `force` it never replaces a file.
 */
export async function writeArchive(input: WriteArchiveInput): Promise<WriteArchiveResult> {
  await refuseToOverwrite(input.file, input.force); // before the first entry is read
  const partial = `${input.file}.${randomBytes(4).toString("hex")}.partial`;
  const archive = await createArchive(input.format);
  const written = pipeline(archive, createWriteStream(partial, { flags: "wx" }));
  // Settles only if the output fails before the last entry: every wait below races it.
  const broken = written.then(() => {
    throw new Error(`writing ${input.file}: the archive ended before its last entry`);
  });
  broken.catch(() => {});
  const result = { entries: 0, bytes: 0, archiveBytes: 0 };
  try {
    for await (const entry of input.entries) {
      const appended = new Promise<void>((callback) =>
        archive.append(entry.data, { name: entry.path, date: input.date, callback }),
      );
      await Promise.race([appended, broken]);
      result.entries += 1;
      result.bytes += entry.data.length;
    }
    await Promise.race([archive.finalize(), broken]);
    await written;
    result.archiveBytes = archive.pointer();
    await publish(partial, input.file, input.force);
    return result;
  } catch (err) {
    archive.destroy();
    await written.catch(() => {});
    throw err;
  } finally {
    await rm(partial, { force: true });
  }
}

/** Gives the finished archive its name: rename replaces, link refuses a file that appeared meanwhile. */
async function publish(partial: string, file: string, force: boolean): Promise<void> {
  if (force) return rename(partial, file);
  await link(partial, file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EEXIST") throw new UsageError(`--archive "${file}": the file exists (--force replaces it)`);
    throw err;
  });
}
