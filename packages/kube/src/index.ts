export { createKubeClient, DEFAULT_BURST, DEFAULT_QPS, KubeClient, type KubeClientOptions, type PatchType, type Query } from "./client.js";
export { type DiscoveryResult, type DiscoveryWarning, discoverResources, RESOURCE_ALIASES } from "./discovery.js";
export { isAlreadyExists, isConflict, isGone, isNotFound, KubeApiError, KubeConfigError, KubeUnreachableError } from "./errors.js";
export { type Connection, type KubeConfigOptions, loadConnection } from "./kubeconfig.js";
export { DEFAULT_PAGE_SIZE, type ListOptions, listPages } from "./list.js";
export { type Clock, RateLimiter, systemClock } from "./rate-limiter.js";
export {
  apiPathOf, apiVersionOf, collectionPath, type KubeObject, type ObjectMeta, objectPath, type OwnerReference,
  parseApiVersion, type ResourceType, resourceKey,
} from "./resources.js";
