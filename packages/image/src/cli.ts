// npm run image -- [--platform linux/amd64,linux/arm64] [--version <v>] [--out <file>] [--cache <dir>] [--refresh]
// Progress goes to stderr; the last line on stdout is the archive's path.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildImage, defaultCacheDir } from "./build.js";
import { hostPlatform } from "./spec.js";

const USAGE = `usage: npm run image -- [--platform linux/amd64[,linux/arm64]] [--version <v>] [--out <file>] [--cache <dir>] [--refresh]
  --platform  platforms to build, comma-separated (default: this machine's, ${hostPlatform()}); --arch amd64,arm64 says the same
  --version   the image's version label and tag in the archive (default: the chart's appVersion)
  --out       the OCI archive to write (default: <cache>/out/kubedump-<appVersion>[-linux-<arch>].oci.tar)
  --cache     downloads and layers kept between builds (default: $KUBEDUMP_IMAGE_CACHE or ~/.cache/kubedump-image)
  --refresh   fetch Debian's package lists now (otherwise at most once a day)`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      platform: { type: "string", default: hostPlatform() },
      arch: { type: "string" },
      version: { type: "string" },
      out: { type: "string" },
      cache: { type: "string", default: defaultCacheDir() },
      refresh: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = Date.now();
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const result = await buildImage({
    root,
    platforms: (values.arch ?? values.platform).split(",").map((p) => p.trim()),
    ...(values.version ? { version: values.version } : {}),
    cacheDir: resolve(values.cache),
    ...(values.out ? { out: resolve(values.out) } : {}),
    refreshPackageLists: values.refresh,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const p of result.platforms) {
    const [gz, tar] = [p.layers.reduce((n, l) => n + l.size, 0), p.layers.reduce((n, l) => n + l.tarSize, 0)];
    process.stderr.write(
      `${p.platform} ${p.manifest.digest}: ${(gz / 1e6).toFixed(1)} MB compressed, ${(tar / 1e6).toFixed(1)} MB unpacked; SBOM ${p.sbom}\n`,
    );
  }
  process.stderr.write(
    `image ${result.refName} (${result.top.digest}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  process.stdout.write(`${result.archive}\n`);
  return 0;
}

main(process.argv.slice(2).filter((a, i) => i > 0 || a !== "--")).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`npm run image: ${err.message}\n${err instanceof RangeError ? `${USAGE}\n` : ""}`);
    process.exit(1);
  },
);
