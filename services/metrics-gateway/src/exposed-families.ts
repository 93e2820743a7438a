import { type MetricFamily, type MetricType, parseTextFormat, renderTextFormat } from "@kubedump/metrics";

/** A family's HELP and TYPE lines as /metrics writes them (`text`), with its name and type. */
export interface FamilyHead {
  readonly name: string;
  readonly type: MetricType;
  readonly text: string;
}

/**
 * A group's families as /metrics writes them: their heads, and the sample lines of them all in one
 * text, those of the i-th family ending at ends[i] and starting where the (i-1)-th's end.
 */
export interface ExposedFamilies {
  readonly heads: readonly FamilyHead[];
  readonly lines: string;
  readonly ends: readonly number[];
}

/**
 * The families rendered as renderTextFormat writes them, each head passed through `intern` (the
 * same heads recur in every group). The name of a head is a slice of its text and the lines one
 * new string, so that keeping them keeps nothing else alive.
 */
export function exposeFamilies(
  families: readonly MetricFamily[],
  intern: (head: FamilyHead) => FamilyHead = (head) => head,
): ExposedFamilies {
  const heads: FamilyHead[] = [];
  const lines: string[] = [];
  const ends: number[] = [];
  let end = 0;
  for (const { name, help, type, samples } of families) {
    const head = renderTextFormat([{ name, help, type, samples: [] }]);
    // Both texts end their head with "# TYPE <name> <type>\n".
    const typeLine = 7 + name.length + 1 + type.length + 1;
    const at = head.length - typeLine + 7;
    heads.push(intern({ name: head.slice(at, at + name.length), type, text: head }));
    const text = renderTextFormat([{ name, type, samples }]).slice(typeLine);
    lines.push(text);
    end += text.length;
    ends.push(end);
  }
  return { heads, lines: lines.join(""), ends };
}

/** The sample lines of the i-th family. */
export const exposedLines = (exposed: ExposedFamilies, i: number): string =>
  exposed.lines.slice(exposed.ends[i - 1] ?? 0, exposed.ends[i]);

/** The families back, as parseTextFormat reads their text: the same families when they were parsed from text. */
export function parseExposed(exposed: ExposedFamilies): MetricFamily[] {
  return parseTextFormat(exposed.heads.map((head, i) => head.text + exposedLines(exposed, i)).join(""));
}

/** One copy of each head in use, counted, so that the groups holding a family share its head. */
export class HeadTable {
  private readonly heads = new Map<string, { head: FamilyHead; uses: number }>();

  readonly intern = (head: FamilyHead): FamilyHead => {
    const held = this.heads.get(head.text);
    if (held) {
      held.uses++;
      return held.head;
    }
    this.heads.set(head.text, { head, uses: 1 });
    return head;
  };

  release(heads: readonly FamilyHead[]): void {
    for (const { text } of heads) {
      const held = this.heads.get(text);
      if (held && --held.uses === 0) this.heads.delete(text);
    }
  }

  clear(): void {
    this.heads.clear();
  }
}
