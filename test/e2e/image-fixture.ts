// The image the tests check and run: built by the code behind `npm run image` (cached layers, so
// only what changed since the last build is redone), into an archive of this test run, and unpacked.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildResult, buildImage } from "@kubedump/image";
import { type UnpackedImage, unpackImage } from "./image-unpack.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const PLATFORM = process.arch === "arm64" ? "linux/arm64" : "linux/amd64";

let built: Promise<{ build: BuildResult; image: UnpackedImage }> | undefined;
const dirs: string[] = [];

/** Builds and unpacks the image once per test file. */
export function testImage(): Promise<{ build: BuildResult; image: UnpackedImage }> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubedump-image-test-"));
    dirs.push(dir);
    const build = await buildImage({ root: ROOT, platforms: [PLATFORM], out: join(dir, "kubedump.oci.tar") });
    const image = await unpackImage(build.archive);
    dirs.push(image.dir);
    return { build, image };
  })();
  return built;
}

/** Removes the archive and the unpacked image (for afterAll). */
export function removeTestImage(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
