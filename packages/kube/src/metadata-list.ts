import type { KubeClient } from "./client.js";
import { type ListOptions, listResponses, type ListSummary, type PageStart, YieldedUids } from "./list.js";
import { LabelKeys, METADATA_PROTOBUF_ACCEPT, metadataContinueOf, readMetadataPage } from "./metadata-page.js";
import type { ObjectMeta, ResourceType } from "./resources.js";

/** A page of a metadata listing: its items' metadata (readMetadataPage) and where the page started. */
export interface MetadataListPage {
  items: ObjectMeta[];
  /** A full LIST from here with the same options and limit reads the same objects whole. */
  from: PageStart;
  /** The page's list resourceVersion. */
  resourceVersion?: string;
}

/**
 * Lists one resource type as protobuf PartialObjectMetadataList, page by page: each object's
 * name, namespace, uid, resourceVersion, labels and owners, a fraction of the bytes of a full
 * LIST. A server that cannot serve it (an aggregated API) answers 406 or 415 (KubeApiError); a body
 * that is not the expected protobuf throws MetadataDecodeError. Objects a restarted list yields
 * again are skipped, as in listItemPages. The next page is read ahead while a page is used.
 * `labels`: which labels of each object are read (readMetadataPage), by default all.
 */
export async function* listMetadataPages(
  client: KubeClient,
  rt: ResourceType,
  opts: ListOptions = {},
  labels: LabelKeys = LabelKeys.ALL,
): AsyncGenerator<MetadataListPage, ListSummary> {
  const seen = new YieldedUids();
  // the next page is asked for as soon as a page is in: a page's items cost the server little memory,
  // and a second backup's listing is otherwise a round trip per page in sequence (docs/benchmarks.md)
  const read = (body: Buffer) => readMetadataPage(body, labels);
  const responses = listResponses(client, rt, opts, METADATA_PROTOBUF_ACCEPT, read, metadataContinueOf);
  try {
    for (;;) {
      const next = await responses.next();
      if (next.done) return next.value;
      const { page, from, restarts } = next.value;
      if (restarts > 0) seen.restarted();
      const items = page.items.filter((meta) => {
        if (!meta.uid) return true;
        if (seen.has(meta.uid)) return false;
        seen.add(meta.uid);
        return true;
      });
      yield { items, from, resourceVersion: page.resourceVersion };
    }
  } finally {
    await responses.return(undefined as never); // a caller that stops early stops the page asked for ahead
  }
}
