export {
  createKubeClient,
  DEFAULT_BURST,
  DEFAULT_MAX_SOCKETS,
  DEFAULT_QPS,
  KubeClient,
  type KubeClientOptions,
  type PatchType,
  type Query,
  type RequestOpts,
  type StreamOpts,
} from "./client.js";
export {
  type DiscoveryOptions,
  type DiscoveryResult,
  type DiscoveryWarning,
  discoverResources,
  RESOURCE_ALIASES,
} from "./discovery.js";
export {
  HandlerError,
  InformerStoppedError,
  isAlreadyExists,
  isConflict,
  isGone,
  isNotFound,
  KubeApiError,
  KubeConfigError,
  KubeUnreachableError,
  KubeWatchError,
  LeaderElectionError,
} from "./errors.js";
export {
  cacheKey,
  createInformer,
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_MAX_MS,
  type Informer,
  type InformerOptions,
} from "./informer.js";
export { type Connection, type KubeConfigOptions, loadConnection } from "./kubeconfig.js";
export {
  createLeaderElector,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  type LeaderElector,
  type LeaderElectorOptions,
  type LeaseSpec,
} from "./leader-election.js";
export {
  DEFAULT_PAGE_SIZE,
  ItemPage,
  type ListOptions,
  type ListSummary,
  listItemPages,
  listPages,
  type PageStart,
  readListPage,
} from "./list.js";
export { listMetadataPages, type MetadataListPage } from "./metadata-list.js";
export {
  LabelKeys,
  METADATA_PROTOBUF_ACCEPT,
  type MetadataPage,
  MetadataDecodeError,
  readMetadataPage,
} from "./metadata-page.js";
export { type Clock, RateLimiter, systemClock } from "./rate-limiter.js";
export {
  apiPathOf,
  apiVersionOf,
  collectionPath,
  type KubeObject,
  type ObjectMeta,
  objectPath,
  type OwnerReference,
  parseApiVersion,
  type ResourceType,
  resourceKey,
} from "./resources.js";
export {
  DEFAULT_WATCH_TIMEOUT_SECONDS,
  type WatchEvent,
  type WatchEventType,
  type WatchOptions,
  watchEvents,
} from "./watch.js";
export { patchStatus } from "./status.js";
export { readSecret } from "./secrets.js";
export { type EventInput, recordEvent } from "./events.js";
