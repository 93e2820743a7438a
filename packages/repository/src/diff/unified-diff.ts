/**
 * A line diff (Myers' O(ND) greedy algorithm, after the common head and tail are set aside) and
 * its unified form, as `diff -u` prints it. Written here rather than taken from a package: it is
 * small, and objects' YAML is short.
 */

/** One line of an edit script: kept (" "), removed ("-") or added ("+"); `text` ends in "\n" but for a last line without one. */
export interface DiffLine {
  op: " " | "-" | "+";
  text: string;
}

export interface UnifiedDiffOptions {
  /** Unchanged lines shown around each change. @defaultValue 3 */
  context?: number;
  /** The `---` label. @defaultValue "a" */
  from?: string;
  /** The `+++` label. @defaultValue "b" */
  to?: string;
}

/** Beyond this many edits the middle is shown as all removed then all added (the cost stays bounded). */
const MAX_EDITS = 1000;

/** Lines with their "\n" (the last one may have none, so "a" and "a\n" differ). */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The shortest edit script from `a` to `b` (at most MAX_EDITS edits, else a plain replacement). */
function myers(a: readonly string[], b: readonly string[]): DiffLine[] {
  const [n, m] = [a.length, b.length];
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) [x, y] = [x + 1, y + 1];
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, offset, d);
    }
  }
  return [...a.map((text) => ({ op: "-" as const, text })), ...b.map((text) => ({ op: "+" as const, text }))];
}

function backtrack(a: readonly string[], b: readonly string[], trace: Int32Array[], offset: number, last: number) {
  const out: DiffLine[] = [];
  let [x, y] = [a.length, b.length];
  for (let d = last; d > 0; d--) {
    const v = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK] as number;
    const prevY = prevX - prevK;
    for (; x > prevX && y > prevY; y--) out.push({ op: " ", text: a[--x] as string });
    if (down) out.push({ op: "+", text: b[--y] as string });
    else out.push({ op: "-", text: a[--x] as string });
  }
  for (; x > 0 && y > 0; y--) out.push({ op: " ", text: a[--x] as string });
  return out.reverse();
}

/** The edit script from `before` to `after`, line by line, the common head and tail kept as they are. */
export function diffLines(before: string, after: string): DiffLine[] {
  const [a, b] = [splitLines(before), splitLines(after)];
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const keep = (lines: string[]) => lines.map((text) => ({ op: " " as const, text }));
  return [
    ...keep(a.slice(0, head)),
    ...myers(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...keep(a.slice(a.length - tail)),
  ];
}

/** Index ranges [start, end) of the script that hunks cover: each change with `context` lines around it, merged. */
function hunkRanges(script: readonly DiffLine[], context: number): [number, number][] {
  const ranges: [number, number][] = [];
  script.forEach((line, i) => {
    if (line.op === " ") return;
    const [start, end] = [Math.max(0, i - context), Math.min(script.length, i + context + 1)];
    const last = ranges[ranges.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  });
  return ranges;
}

/** `start,count` of a hunk header; an empty range starts at the line before it, as diff -u has it. */
function span(start: number, count: number): string {
  return `${count === 0 ? start : start + 1},${count}`;
}

/**
 * The unified diff from `before` to `after` (`---`/`+++` header and `@@` hunks, "\n"-terminated
 * lines); "" when they are the same text.
 */
export function unifiedDiff(before: string, after: string, options: UnifiedDiffOptions = {}): string {
  if (before === after) return "";
  const script = diffLines(before, after);
  const out = [`--- ${options.from ?? "a"}\n`, `+++ ${options.to ?? "b"}\n`];
  // Line numbers in `a` and `b` where each script entry sits.
  const positions: [number, number][] = [];
  let [x, y] = [0, 0];
  for (const line of script) {
    positions.push([x, y]);
    if (line.op !== "+") x++;
    if (line.op !== "-") y++;
  }
  for (const [start, end] of hunkRanges(script, options.context ?? 3)) {
    const lines = script.slice(start, end);
    const [ax, by] = positions[start] as [number, number];
    const removed = lines.filter((l) => l.op !== "+").length;
    const added = lines.filter((l) => l.op !== "-").length;
    out.push(`@@ -${span(ax, removed)} +${span(by, added)} @@\n`);
    for (const { op, text } of lines)
      out.push(text.endsWith("\n") ? `${op}${text}` : `${op}${text}\n\\ No newline at end of file\n`);
  }
  return out.join("");
}
