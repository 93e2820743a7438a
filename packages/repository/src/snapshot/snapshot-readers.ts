import { pipeline, type Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { readTarFiles, type TarFile } from "../archive/tar-stream-adapters.js";
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
import { decodeIndexLine } from "./manifest-codec.js";
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
 * when the stored bytes differ from `expected`, or are so damaged that gunzip notices first.
 */
export async function* openStored({ store, codec }: ReaderDeps, key: string, expected: Digest): AsyncGenerator<Buffer> {
  const stored = await store.get(key);
  // The callback form returns the last stream; an error anywhere destroys it with that error.
  const output: Readable = pipeline(
    stored,
    new VerifyStream({ key, expected }),
    codec.decoder(key),
    createGunzip(),
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

/** The index records of a committed snapshot, streamed line by line. */
export async function* readIndexRecords(deps: ReaderDeps, manifest: SnapshotManifest): AsyncGenerator<IndexRecord> {
  const { key } = manifest.index;
  const text = new StringDecoder("utf8");
  let rest = "";
  let lineNumber = 0;
  for await (const chunk of openStored(deps, key, manifest.index)) {
    const lines = (rest + text.write(chunk)).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      lineNumber += 1;
      if (line !== "") yield decodeIndexLine(key, lineNumber, line);
    }
  }
  rest += text.end();
  if (rest !== "") yield decodeIndexLine(key, lineNumber + 1, rest);
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
 * The files of one stored part. Damage the digest check has not caught yet (it runs at the end)
 * can derail the tar parser first; that surfaces as IntegrityError naming the part too. An entry
 * that is not a regular file, or whose path breaks the path rule (safe-path.ts), fails with
 * UnsafePathError before it is yielded.
 */
export async function* readPartFiles(deps: ReaderDeps, part: SnapshotPart): AsyncGenerator<TarFile> {
  try {
    for await (const file of readTarFiles(openStored(deps, part.key, part))) {
      checkArchivePath(file.path);
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
    for await (const file of readPartFiles(deps, part)) {
      yield { path: file.path, data: file.data, part: part.n };
    }
  }
}
