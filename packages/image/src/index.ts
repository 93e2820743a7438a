export { type BuildOptions, type BuildResult, type BuiltPlatform, buildImage, defaultCacheDir } from "./build.js";
export { type Descriptor, MEDIA, type RuntimeConfig } from "./oci.js";
export { APP_DIR, NODE_PATH, NODE_VERSION, SBOM_PATH, USER_ID } from "./spec.js";
