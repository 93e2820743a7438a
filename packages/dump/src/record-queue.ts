import type { IndexRecord } from "@kubedump/repository/archive";
import type { DumpEntry, DumpSink } from "./dump-sink.js";

/**
 * Pages that may wait for their digests while the dump goes on; the compressing thread
 * answers behind the parts' slots it has queued.
 */
const PAGES_AWAITING_DIGESTS = 4;

/**
 * What goes to the sink once the digests of its objects came back from the compressing thread
 * (sha256Each, or a page sink's own digest): a parts sink's records, a page sink's pages, and
 * what comes between them in the dump's order (reused objects). The thread that serializes does
 * not wait for the digests unless more than PAGES_AWAITING_DIGESTS pages do. Everything reaches
 * the sink in order; the first failure fails every later call and the flush.
 */
export class RecordQueue {
  private tail: Promise<void> = Promise.resolve();
  private readonly waiting: Promise<void>[] = [];

  constructor(private readonly sink: DumpSink) {}

  /** A PartsSink's page (a PageSink takes its records with its objects, and none here). */
  async add(page: IndexRecord[], digests: Promise<string[]>): Promise<void> {
    const { sink } = this;
    if ("addPage" in sink) throw new TypeError("record queue: a page sink takes its records with its objects");
    await this.inOrder(async () => {
      const sha256 = await digests;
      if (sha256.length !== page.length)
        throw new Error(`${sha256.length} digests came back for ${page.length} objects`);
      page.forEach((r, i) => {
        r.sha256 = sha256[i] as string;
      });
      await sink.addRecords(page);
    });
  }

  /** A PageSink's page, its digests started now (PageSink.digest) and given with it once back. */
  async addPage(entries: readonly DumpEntry[]): Promise<void> {
    const { sink } = this;
    if (!("addPage" in sink)) throw new TypeError("record queue: a parts sink takes its objects at once");
    const digests = sink.digest(entries);
    digests.catch(() => {}); // awaited in the queue
    await this.inOrder(async () => sink.addPage(entries, await digests));
  }

  /**
   * `step`, once everything given before it reached the sink. (Not named `then`: an object with a
   * `then` method is awaited as a promise.)
   */
  async inOrder(step: () => void | Promise<void>): Promise<void> {
    this.tail = this.tail.then(step);
    this.tail.catch(() => {}); // reported by the next call or the flush
    this.waiting.push(this.tail);
    if (this.waiting.length > PAGES_AWAITING_DIGESTS) await this.waiting.shift();
  }

  /** Resolves once everything reached the sink. */
  async flush(): Promise<void> {
    this.waiting.length = 0;
    await this.tail;
  }
}
