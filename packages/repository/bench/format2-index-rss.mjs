// Memory of format 2's in-memory blob index (BlobIndex) for 1,000,000 blobs, against a Map of one
// object per blob. Run after `npx turbo run build`: node packages/repository/bench/format2-index-rss.mjs [map]
import { createHash } from "node:crypto";
import { BlobIndex } from "../dist/format2/blob-index.js";

const COUNT = 1_000_000;
const PACKS = 100;
const packIds = Array.from({ length: PACKS }, (_, i) => createHash("sha256").update(`pack ${i}`).digest("hex"));
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

globalThis.gc?.();
const before = process.memoryUsage();
const started = performance.now();
const useMap = process.argv[2] === "map";
const index = useMap ? new Map() : new BlobIndex();
for (let i = 0; i < COUNT; i++) {
  const id = createHash("sha256").update(`blob ${i}`).digest("hex");
  const frame = { offset: Math.floor(i / 50) * 30000, length: 30000, frameRawLength: 65000 };
  const entry = { id, type: "data", compression: 1, ...frame, offsetInFrame: (i % 50) * 1300, rawLength: 1300 };
  if (useMap) index.set(id, { ...entry, pack: packIds[i % PACKS] });
  else index.add(packIds[i % PACKS], entry);
}
const built = performance.now() - started;
globalThis.gc?.();
const after = process.memoryUsage();
let found = 0;
const lookups = performance.now();
for (let i = 0; i < COUNT; i += 10) if (index.get(createHash("sha256").update(`blob ${i}`).digest("hex"))) found++;
console.log(
  `${useMap ? "Map of objects" : "BlobIndex"}: ${COUNT} blobs, rss +${mb(after.rss - before.rss)}, ` +
    `heap +${mb(after.heapUsed - before.heapUsed)}, arrayBuffers +${mb(after.arrayBuffers - before.arrayBuffers)}, ` +
    `built in ${built.toFixed(0)} ms, ${found} lookups in ${(performance.now() - lookups).toFixed(0)} ms`,
);
