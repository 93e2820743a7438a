// The text of the synthetic objects of the local experiments (download-local.mjs, writer-cpu.mjs):
// no cluster seeded, so no seed.mjs.
const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];

/** Object `i`'s text at revision `rev`: 1–2.4 KB of words and numbers, the same for the same (i, rev). */
export function syntheticText(i, rev = 0) {
  let s = (i * 2654435761 + rev * 40503 + 1) >>> 0 || 1;
  let text = "";
  while (text.length < 1000 + (i % 1400)) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    text += `${WORDS[(s >>> 0) % 8]}=${(s >>> 3) % 100000} `;
  }
  return text;
}
