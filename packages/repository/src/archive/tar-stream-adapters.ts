import { pipeline } from "node:stream/promises";
import { type Pack, extract as tarExtract } from "tar-stream";
import { UnsafePathError } from "../errors.js";

/*
 * tar-stream 3 is built on streamx. Its streams work with node:stream's pipeline and are async
 * iterable at runtime, but their typings are streamx's own, so the casts live here, in one place.
 */

/** The bytes a tar-stream pack produces. */
export function packChunks(pack: Pack): AsyncIterable<Buffer> {
  return pack as unknown as AsyncIterable<Buffer>;
}

export interface TarFile {
  path: string;
  data: Buffer;
}

/** What a tar header says about a regular file, before its data is read. */
export interface TarEntryHeader {
  name: string;
  size: number;
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/**
 * The regular files of an uncompressed tar stream, in archive order (PAX long names resolved).
 * Any other entry (a link, a directory, a device) fails with UnsafePathError: kubedump's archives
 * hold regular files only, and a link could point a later write outside its directory.
 * `checkEntry` sees each file's header before its data is read and throws to refuse it.
 * Errors of `source` surface here; stopping early closes `source`.
 */
export async function* readTarFiles(
  source: AsyncIterable<Buffer>,
  checkEntry: (header: TarEntryHeader) => void = () => {},
): AsyncGenerator<TarFile> {
  const extract = tarExtract();
  const fed = pipeline(source, extract as unknown as NodeJS.WritableStream);
  fed.catch(() => {}); // observed below, or irrelevant once the consumer stops early
  for await (const entry of extract) {
    const { name, type, size } = entry.header;
    if (type !== "file" && type !== "contiguous-file") {
      throw new UnsafePathError(name, `a ${type ?? "typeless"} entry: only regular files are allowed`);
    }
    checkEntry({ name, size: size ?? 0 });
    yield { path: name, data: await collect(entry as unknown as AsyncIterable<Buffer>) };
  }
  await fed;
}
