import type { IndexRecord } from "@kubedump/repository/archive";
import type { DumpSink } from "./dump-sink.js";

/**
 * Pages whose records may wait for their digests while the dump goes on; the compressing thread
 * answers behind the parts' slots it has queued.
 */
const PAGES_AWAITING_DIGESTS = 4;

/**
 * Pages' index records on their way to the sink, each once its objects' digests came back from
 * the compressing thread (sha256Each): the thread that serializes does not wait for them unless
 * more than PAGES_AWAITING_DIGESTS pages do. Records reach the sink in order; the first failure
 * fails every later `add` and the flush.
 */
export class RecordQueue {
  private tail: Promise<void> = Promise.resolve();
  private readonly waiting: Promise<void>[] = [];

  constructor(private readonly sink: DumpSink) {}

  /** A PartsSink's page (a PageSink takes its records with its objects, and none here). */
  async add(page: IndexRecord[], digests: Promise<string[]>): Promise<void> {
    const { sink } = this;
    if ("addPage" in sink) throw new TypeError("record queue: a page sink takes its records with its objects");
    this.tail = this.tail.then(async () => {
      const sha256 = await digests;
      if (sha256.length !== page.length)
        throw new Error(`${sha256.length} digests came back for ${page.length} objects`);
      page.forEach((r, i) => {
        r.sha256 = sha256[i] as string;
      });
      await sink.addRecords(page);
    });
    this.tail.catch(() => {}); // reported by the next add or the flush
    this.waiting.push(this.tail);
    if (this.waiting.length > PAGES_AWAITING_DIGESTS) await this.waiting.shift();
  }

  /** Resolves once every record reached the sink. */
  async flush(): Promise<void> {
    this.waiting.length = 0;
    await this.tail;
  }
}
