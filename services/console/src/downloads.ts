import type { Response } from "express";
import { TarArchive, ZipArchive } from "archiver";
import type { SnapshotObject } from "@kubedump/repository/snapshot";

export const DOWNLOAD_FORMATS = ["yaml", "tar.gz", "zip"] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

/** zlib's own default, as `kubedump download --archive` uses. */
const ARCHIVE_GZIP_LEVEL = 6;

const CONTENT_TYPES: Record<DownloadFormat, string> = {
  yaml: "application/yaml; charset=utf-8",
  "tar.gz": "application/gzip",
  zip: "application/zip",
};

/** A file name fit for Content-Disposition: letters, digits, `.`, `-` and `_` only. */
const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, "_");

/**
 * Streams objects to the response as one attachment: a multi-document YAML, or a .tar.gz or .zip
 * (archiver) whose entries have the paths `kubedump download` writes, so an unpacked archive is
 * the tree `download` makes. Each entry waits for the archive to take the one before (backpressure
 * from the client); a client that goes away stops the reading. An error after the first byte
 * can only end the response early, so it is thrown for the caller to log.
 */
export async function sendDownload(
  res: Response,
  input: { format: DownloadFormat; name: string; date: Date; objects: AsyncIterable<SnapshotObject> },
): Promise<void> {
  const file = `${safeName(input.name)}.${input.format}`;
  res.setHeader("content-type", CONTENT_TYPES[input.format]);
  res.setHeader("content-disposition", `attachment; filename="${file}"`);
  if (input.format === "yaml") return sendYaml(res, input.objects);
  const archive =
    input.format === "zip"
      ? new ZipArchive({ zlib: { level: ARCHIVE_GZIP_LEVEL } })
      : new TarArchive({ gzip: true, gzipOptions: { level: ARCHIVE_GZIP_LEVEL } });
  archive.pipe(res);
  const gone = new Promise<void>((done) => res.once("close", done));
  try {
    for await (const object of input.objects) {
      if (res.destroyed) break;
      const appended = new Promise<void>((callback) =>
        archive.append(object.data, { name: object.path, date: input.date, callback }),
      );
      await Promise.race([appended, gone]);
    }
    if (res.destroyed) archive.abort();
    else await archive.finalize();
  } catch (err) {
    archive.abort();
    res.destroy();
    throw err;
  }
}

async function sendYaml(res: Response, objects: AsyncIterable<SnapshotObject>): Promise<void> {
  let first = true;
  try {
    for await (const object of objects) {
      if (res.destroyed) break;
      const text = object.data.toString("utf8");
      const doc = `${first ? "" : "---\n"}${text}${text.endsWith("\n") ? "" : "\n"}`;
      first = false;
      if (!res.write(doc)) await new Promise<void>((done) => res.once("drain", done).once("close", done));
    }
    res.end();
  } catch (err) {
    res.destroy();
    throw err;
  }
}
