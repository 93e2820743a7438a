import { pipeline, type Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { readTarFiles, type TarEntryHeader, type TarFile } from "../archive/tar-stream-adapters.js";
import type { Digest, IndexRecord } from "../archive/types.js";
import type { ObjectCodec } from "../crypto/codec.js";
import {
  IntegrityError,
  ObjectNotFoundError,
  StoreAccessDeniedError,
  StoreRequestError,
  StoreUnreachableError,
  UnsafePathError,
} from "../errors.js";
import { checkArchivePath } from "../safe-path.js";
import type { ObjectStore } from "../stores/object-store.js";
import { VerifyStream } from "./digest-stream.js";
import { checkLayoutShape } from "./layout.js";
import { decodeIndexLine } from "./manifest-codec.js";
import {
  ByteLimitStream,
  indexByteLimit,
  MAX_INDEX_LINE_BYTES,
  objectByteLimit,
  partByteLimit,
} from "./read-limits.js";
import type { SnapshotManifest, SnapshotObject, SnapshotPart } from "./types.js";

export interface ReaderDeps {
  store: ObjectStore;
  codec: ObjectCodec;
}

function isZlibError(err: unknown): err is Error {
  return err instanceof Error && "code" in err && typeof err.code === "string" && err.code.startsWith("Z_");
}

/**
 * The decoded, gunzipped bytes of a stored part or index. Fails with IntegrityError naming the key
 * when the stored bytes differ from `expected`, or are so damaged that gunzip notices first, or
 * decompress to more than `maxBytes` (see read-limits.ts).
 */
export async function* openStored(
  { store, codec }: ReaderDeps,
  key: string,
  expected: Digest,
  maxBytes: number,
): AsyncGenerator<Buffer> {
  const stored = await store.get(key);
  // The callback form returns the last stream; an error anywhere destroys it with that error.
  const output: Readable = pipeline(
    stored,
    new VerifyStream({ key, expected }),
    codec.decoder(key),
    createGunzip(),
    new ByteLimitStream({ key, limit: maxBytes }),
    () => {},
  );
  try {
    for await (const chunk of output) yield chunk as Buffer;
  } catch (err) {
    if (isZlibError(err)) throw new IntegrityError(key, `not valid gzip data (${err.message})`, { cause: err });
    throw err;
  } finally {
    output.destroy();
  }
}

/**
 * The index records of a committed snapshot, streamed line by line; no more records than
 * snapshot.json records, no line longer than MAX_INDEX_LINE_BYTES (IntegrityError naming the index).
 */
export async function* readIndexRecords(deps: ReaderDeps, manifest: SnapshotManifest): AsyncGenerator<IndexRecord> {
  const { key, records } = manifest.index;
  const text = new StringDecoder("utf8");
  let rest = "";
  let [lineNumber, count] = [0, 0];
  const decode = (line: string) => {
    if (++count > records) throw new IntegrityError(key, `more than the ${records} records snapshot.json records`);
    return decodeIndexLine(key, lineNumber, line);
  };
  for await (const chunk of openStored(deps, key, manifest.index, indexByteLimit(manifest))) {
    const lines = (rest + text.write(chunk)).split("\n");
    rest = lines.pop() ?? "";
    if (rest.length > MAX_INDEX_LINE_BYTES)
      throw new IntegrityError(
        key,
        `line ${lineNumber + lines.length + 1} is longer than ${MAX_INDEX_LINE_BYTES} bytes`,
      );
    for (const line of lines) {
      lineNumber += 1;
      if (line !== "") yield decode(line);
    }
  }
  rest += text.end();
  lineNumber += 1;
  if (rest !== "") yield decode(rest);
}

const OWN_ERRORS = [
  IntegrityError,
  ObjectNotFoundError,
  StoreUnreachableError,
  StoreAccessDeniedError,
  StoreRequestError,
  UnsafePathError,
];

/**
 * The files of one stored part of `manifest`. Damage the digest check has not caught yet (it runs
 * at the end) can derail the tar parser first; that surfaces as IntegrityError naming the part too.
 * An entry that is not a regular file, or whose path breaks the path rule (safe-path.ts) or the
 * layout's shape, fails with UnsafePathError before its data is read; one above the limits of
 * read-limits.ts, or one more than the part records, with IntegrityError.
 */
export async function* readPartFiles(
  deps: ReaderDeps,
  manifest: SnapshotManifest,
  part: SnapshotPart,
): AsyncGenerator<TarFile> {
  const maxObject = objectByteLimit(manifest);
  let entries = 0;
  const checkEntry = ({ name, size }: TarEntryHeader) => {
    checkArchivePath(name);
    checkLayoutShape(name);
    if (++entries > part.objects)
      throw new IntegrityError(part.key, `more entries than the ${part.objects} objects snapshot.json records`);
    if (size > maxObject)
      throw new IntegrityError(
        part.key,
        `entry ${JSON.stringify(name)} is ${size} bytes, more than an object may be (${maxObject})`,
      );
  };
  try {
    for await (const file of readTarFiles(
      openStored(deps, part.key, part, partByteLimit(manifest, part)),
      checkEntry,
    )) {
      yield file;
    }
  } catch (err) {
    if (OWN_ERRORS.some((type) => err instanceof type)) throw err;
    throw new IntegrityError(part.key, `not a valid tar archive (${(err as Error).message})`, { cause: err });
  }
}

/** The objects of a committed snapshot, part after part, in archive order: of every part, or of `only` these. */
export async function* readSnapshotObjects(
  deps: ReaderDeps,
  manifest: SnapshotManifest,
  only?: readonly number[],
): AsyncGenerator<SnapshotObject> {
  const wanted = only && new Set(only);
  const parts = manifest.parts.filter((p) => !wanted || wanted.has(p.n)).sort((a, b) => a.n - b.n);
  for (const part of parts) {
    for await (const file of readPartFiles(deps, manifest, part)) {
      yield { path: file.path, data: file.data, part: part.n };
    }
  }
}
