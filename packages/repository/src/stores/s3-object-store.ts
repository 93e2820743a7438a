import { createReadStream } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import type { Client } from "minio";
import type { CredentialProvider } from "../credentials/aws-credentials.js";
import { IntegrityError, ObjectNotFoundError, StoreRequestError } from "../errors.js";
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from "../retry.js";
import { checkKey, checkPrefix, checkRange, pastEnd, tooLarge } from "./object-key.js";
import type { ObjectEntry, ObjectStat, ObjectStore, PutHints, PutOptions } from "./object-store.js";
import {
  createBucket,
  createS3Client,
  credentialsOf,
  normalizePrefix,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_REGION,
  parseEndpoint,
  type S3Endpoint,
} from "./s3-client.js";
import { isNotFound, isTransientStoreError, translateS3Error } from "./s3-errors.js";
import {
  bucketLockEnabled,
  lockHeaders,
  lockOf,
  lockNotEnabled,
  type ObjectLockOptions,
  retainedUntil,
  deleteVersions,
  extendRetention,
} from "./s3-object-lock.js";
import { abortIncompleteUploads, type KeyedCall, type MultipartDeps, uploadStream } from "./s3-multipart.js";
import { putBody } from "./s3-put.js";

/** 16 MiB: the memory one streaming upload holds; objects up to 160 GB (10,000 parts). */
const DEFAULT_S3_PART_SIZE = 16 * 1024 * 1024;
const LIST_PAGE = 1000;

export interface S3ObjectStoreOptions {
  /** `host[:port]`, optionally after `http://` or `https://`; https unless http:// is given. */
  endpoint: string;
  bucket: string;
  /** Default us-east-1. */
  region?: string;
  /** Key prefix inside the bucket, e.g. `cluster-a` (leading and trailing `/` are ignored). */
  prefix?: string;
  /** Path-style addressing (`endpoint/bucket/key`), as MinIO wants it; default true. */
  pathStyle?: boolean;
  /** Skip TLS certificate verification (test setups only). */
  insecureTLS?: boolean;
  /** PEM of the CA that signed the endpoint's certificate, trusted besides the system's. */
  caCert?: string;
  /** Static keys; without them, `credentials` must be given. */
  accessKey?: string;
  secretKey?: string;
  /** Where credentials come from when there are no static keys (e.g. the AWS chain: createAwsCredentialChain). */
  credentials?: CredentialProvider;
  /** A connection silent this long fails with ETIMEDOUT and the request is retried (default 2 minutes). */
  idleTimeoutMs?: number;
  /** Bytes per multipart part, at least 5 MiB (default 16 MiB). */
  partSize?: number;
  retry?: Partial<RetryPolicy>;
  /** Lock every object written (S3 Object Lock; the bucket must have it enabled). Default: no lock. */
  objectLock?: ObjectLockOptions;
}

/** An ObjectStore in an S3 bucket (AWS S3, MinIO, …) below an optional key prefix. */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: S3Endpoint;
  /** Resolves once minio is imported (see createS3Client). */
  private readonly client: Promise<Client>;
  private readonly region: string;
  private readonly partSize: number;
  private readonly retry: RetryPolicy;
  private bucketReady: Promise<void> | undefined;
  private readonly lock: ObjectLockOptions | undefined;
  /** Whether the bucket has Object Lock enabled, asked once. */
  private lockEnabled: Promise<boolean> | undefined;
  /** Where the credentials come from when they are not static keys, for messages. */
  private readonly credentialSource: string | undefined;

  constructor(options: S3ObjectStoreOptions) {
    this.endpoint = parseEndpoint(options.endpoint);
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix);
    this.region = options.region || DEFAULT_REGION;
    this.partSize = options.partSize ?? DEFAULT_S3_PART_SIZE;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < 5 * 1024 * 1024) {
      throw new RangeError(`partSize must be at least 5 MiB, got ${this.partSize}`);
    }
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.lock = options.objectLock;
    const credentials = credentialsOf(options);
    this.credentialSource = credentials.credentials?.description;
    this.client = createS3Client({
      endpoint: this.endpoint,
      region: this.region,
      pathStyle: options.pathStyle ?? true,
      insecureTLS: options.insecureTLS ?? false,
      caCert: options.caCert,
      ...credentials,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    });
    this.client.catch(() => {}); // every request awaits it and gets the error
  }

  /** A Buffer goes in one PUT whatever its size (it is in memory already); a stream in parts of `partSize`. */
  async put(key: string, body: Buffer | Readable, hints: PutHints = {}): Promise<void> {
    const name = this.nameOf(key);
    await this.ensureBucket(key);
    if (Buffer.isBuffer(body)) {
      await this.call("put", key, (c) => this.putBuffer(c, key, body, {}, { sha256: hints.sha256 }));
      return;
    }
    await uploadStream(this.multipartDeps(key), name, body);
  }

  async putIfAbsent(key: string, body: Buffer, options: PutOptions = {}): Promise<boolean> {
    this.nameOf(key); // a bad key fails before any request
    await this.ensureBucket(key);
    try {
      await this.call("put", key, (c) =>
        this.putBuffer(c, key, body, { "If-None-Match": "*" }, { until: options.retainUntil }),
      );
      return true;
    } catch (err) {
      if (err instanceof StoreRequestError && err.code === "PreconditionFailed") return false;
      throw err;
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    await this.put(key, createReadStream(localPath));
  }

  async get(key: string): Promise<Readable> {
    const name = this.nameOf(key);
    const response = await this.call("get", key, (c) => c.getObject(this.bucket, name));
    // Errors mid-download surface translated, naming the store, like those of the request.
    const body = new PassThrough();
    response.on("error", (err: unknown) => body.destroy(translateS3Error(err, this.context("get", key))));
    body.on("close", () => response.destroy());
    return response.pipe(body);
  }

  async getBuffer(key: string, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
    const name = this.nameOf(key);
    const data = await this.call("get", key, async () => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of await (await this.client).getObject(this.bucket, name)) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size > maxBytes) break; // ends the download
      }
      return Buffer.concat(chunks);
    });
    if (data.length > maxBytes) throw tooLarge(key, maxBytes);
    return data;
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    const name = this.nameOf(key);
    checkRange(key, offset, length);
    if (length === 0) {
      // A ranged GET cannot ask for no bytes (minio reads to the end): the key and offset are checked alone.
      const size = (await this.stat(key))?.size;
      if (size === undefined) throw new ObjectNotFoundError(key);
      if (offset > size) throw pastEnd(key, offset, length, size);
      return Buffer.alloc(0);
    }
    const out = Buffer.allocUnsafe(length);
    const read = await this.call("get", key, async (c) => {
      let done = 0;
      for await (const chunk of await c.getPartialObject(this.bucket, name, offset, length)) {
        const bytes = chunk as Buffer;
        if (done + bytes.length > length) return Number.POSITIVE_INFINITY; // ends the download
        bytes.copy(out, done);
        done += bytes.length;
      }
      return done;
    }).catch((err: unknown) => {
      // 416: the range starts at or past the object's end.
      throw err instanceof StoreRequestError && err.code === "InvalidRange" ? pastEnd(key, offset, length) : err;
    });
    if (read > length) throw new IntegrityError(key, `the store sent more than the ${length} bytes asked for`);
    if (read < length) throw pastEnd(key, offset, length); // S3 cuts a range at the object's end
    return out;
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const name = this.nameOf(key);
    try {
      const info = await this.call("stat", key, (c) => c.statObject(this.bucket, name));
      return { size: info.size, mtime: info.lastModified };
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    const full = this.prefix + checkPrefix(prefix);
    let token = "";
    do {
      const page = await this.call("list", prefix, (c) =>
        c.listObjectsV2Query(this.bucket, full, token, "", LIST_PAGE, "").catch((err: unknown) => {
          if (isNotFound(err)) return { objects: [], isTruncated: false, nextContinuationToken: "" }; // no bucket yet
          throw err;
        }),
      );
      for (const item of page.objects) {
        if (item.name === undefined) continue;
        yield { key: item.name.slice(this.prefix.length), size: item.size, mtime: item.lastModified };
      }
      token = page.isTruncated ? page.nextContinuationToken : "";
    } while (token !== "");
  }

  async delete(key: string): Promise<void> {
    const name = this.nameOf(key);
    try {
      if (await this.hasLocks(key)) await deleteVersions((op, fn) => this.call(op, key, fn), this.bucket, key, name);
      else await this.call("delete", key, (c) => c.removeObject(this.bucket, name));
    } catch (err) {
      if (!(err instanceof ObjectNotFoundError)) throw err; // a missing bucket
    }
  }

  retentionFor(writtenAt: Date): Date | undefined {
    return this.lock && new Date(writtenAt.getTime() + this.lock.retentionMs);
  }

  async extendRetention(key: string, until: Date): Promise<Date | undefined> {
    const [name, lock] = [this.nameOf(key), lockOf(this.lock, key)];
    if (!lock) return undefined;
    return extendRetention((operation, fn) => this.call(operation, key, fn), this.bucket, name, lock.mode, until);
  }

  async retainedUntil(key: string): Promise<Date | undefined> {
    const name = this.nameOf(key);
    if (!(await this.hasLocks(key))) return undefined;
    return retainedUntil((operation, fn) => this.call(operation, key, fn), this.bucket, name);
  }

  removeIncompleteUploads(prefix: string, olderThan: Date): Promise<number> {
    const full = this.prefix + checkPrefix(prefix);
    const call: KeyedCall = (operation, key, fn) => this.call(operation, key, fn);
    return abortIncompleteUploads({ bucket: this.bucket, prefix: this.prefix, call }, prefix, full, olderThan);
  }

  /**
   * One PUT of `body` (putBody) with `headers`, and the Object Lock headers of its key's retention:
   * `until` when given; `sha256`, the body's, when the caller knows it.
   */
  private putBuffer(
    c: Client,
    key: string,
    body: Buffer,
    headers: Record<string, string>,
    { until, sha256 }: { until?: Date; sha256?: string } = {},
  ): Promise<void> {
    const [name, lock] = [this.nameOf(key), lockOf(this.lock, key)];
    const locked = lock ? { ...headers, ...lockHeaders(lock, until) } : headers;
    return putBody(c, this.bucket, name, body, locked, { sha256, md5: lock !== undefined });
  }

  private hasLocks(key: string): Promise<boolean> {
    this.lockEnabled ??= this.call("check object lock of", key, (c) =>
      bucketLockEnabled(c, this.bucket, this.lock !== undefined),
    );
    this.lockEnabled.catch(() => {
      this.lockEnabled = undefined;
    });
    return this.lockEnabled;
  }

  private nameOf(key: string): string {
    return this.prefix + checkKey(key);
  }

  private context(operation: string, key: string) {
    return { endpoint: this.endpoint.url, bucket: this.bucket, operation, key, credentials: this.credentialSource };
  }

  /** One request with retries of transient failures; errors translated (never with credentials). */
  private call<T>(operation: string, key: string, fn: (client: Client) => Promise<T>): Promise<T> {
    return withRetry(this.retry, isTransientStoreError, async () => {
      try {
        return await fn(await this.client);
      } catch (err) {
        throw translateS3Error(err, this.context(operation, key));
      }
    });
  }

  private multipartDeps(key: string): MultipartDeps {
    return {
      bucket: this.bucket,
      partSize: this.partSize,
      headers: lockHeaders(lockOf(this.lock, key)),
      putBuffer: (c, _name, data) => this.putBuffer(c, key, data, {}),
      call: (operation, fn) => this.call(operation, key, fn),
    };
  }

  /** Creates the bucket on the first write when it is missing (a second writer racing us is fine). */
  private ensureBucket(key: string): Promise<void> {
    this.bucketReady ??= this.call("check bucket for", key, async (c) => {
      await createBucket(c, this.bucket, this.region, this.lock !== undefined);
      return this.lock === undefined || (await bucketLockEnabled(c, this.bucket));
    }).then((lockable) => {
      if (!lockable && this.lock) throw lockNotEnabled(this.lock, this.bucket, this.endpoint.url);
      if (this.lock) this.lockEnabled = Promise.resolve(true); // also when asked before the bucket existed
    });
    this.bucketReady.catch(() => {
      this.bucketReady = undefined; // try again on the next write
    });
    return this.bucketReady;
  }
}

export type { ObjectLockMode, ObjectLockOptions } from "./s3-object-lock.js";

export function createS3ObjectStore(options: S3ObjectStoreOptions): S3ObjectStore {
  return new S3ObjectStore(options);
}
