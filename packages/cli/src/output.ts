import { yamlDump } from "@kubedump/dump";
import { Option } from "commander";
import { printable, table } from "./format.js";

/** What a listing command prints with `-o`: kubectl's table, wide, json, yaml and name. */
export const LISTING_FORMATS = ["table", "wide", "json", "yaml", "name"] as const;
/** What a command that prints one report prints with `-o`. */
export const REPORT_FORMATS = ["text", "json", "yaml"] as const;

/**
 * `-o, --output <format>` limited to `formats` (the first is the default): any other value is a
 * usage error (exit 2) that lists the formats.
 */
export function outputOption(formats: readonly string[]): Option {
  return new Option("-o, --output <format>", `output format (default ${formats[0]})`).choices(formats);
}

/** YAML of a mapping, or of a list of mappings (each a `- ` entry; yamlDump takes mappings only). */
function yamlOf(value: object): string {
  if (!Array.isArray(value)) return yamlDump(value);
  if (value.length === 0) return "[]\n";
  // yamlDump ends a document whose last scalar keeps trailing newlines with `...`; an entry needs none.
  const entry = (item: object) => yamlDump(item).replace(/^\.\.\.\n$/m, "");
  return value
    .map((item: object) =>
      entry(item)
        .replace(/^(?=.)/gm, "  ")
        .replace(/^ {2}/, "- "),
    )
    .join("");
}

/** json or yaml of `value` on stdout; false for any other format (the caller prints its own). */
export function printData(format: string | undefined, value: object): boolean {
  if (format === "json") process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else if (format === "yaml") process.stdout.write(yamlOf(value));
  else return false;
  return true;
}

/** A column of a listing: its header and a cell of each item (printed through `printable`). */
export type Column<T> = [header: string, cell: (item: T) => string];

export interface Listing<T> {
  items: readonly T[];
  columns: Column<T>[];
  /** Columns `-o wide` adds after them. */
  wide: Column<T>[];
  /** The line `-o name` prints for an item. */
  name: (item: T) => string;
  /** What `-o json` and `-o yaml` print: the items as data. */
  data: (items: readonly T[]) => object;
}

/** A listing in `format` (table when unset) on stdout. */
export function printListing<T>(format: string | undefined, listing: Listing<T>): void {
  if (printData(format, listing.data(listing.items))) return;
  if (format === "name") {
    for (const item of listing.items) process.stdout.write(`${printable(listing.name(item))}\n`);
    return;
  }
  const columns = format === "wide" ? [...listing.columns, ...listing.wide] : listing.columns;
  const rows = listing.items.map((item) => columns.map(([, cell]) => printable(cell(item))));
  process.stdout.write(
    `${table(
      columns.map(([header]) => header),
      rows,
    )}\n`,
  );
}
