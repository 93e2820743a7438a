import { RepositoryFormatError } from "../errors.js";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as an error message may show it: JSON, at most 60 characters. */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** 64 lowercase hex digits: a sha256, or a blob id. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The fields of one JSON object of a repository file, each read with its type checked; a wrong
 * one throws RepositoryFormatError naming the file (`key`) and the field's path.
 */
export class JsonFields {
  constructor(
    readonly key: string,
    readonly value: JsonObject,
    readonly at = "",
  ) {}

  /** `value` as an object whose field paths start with `at`; RepositoryFormatError when it is none. */
  static of(key: string, value: unknown, at = ""): JsonFields {
    if (!isObject(value)) {
      const where = at.replace(/[.:\s]+$/, "");
      throw new RepositoryFormatError(key, `${where ? `${where}: ` : ""}not a JSON object`);
    }
    return new JsonFields(key, value, at);
  }

  fail(name: string, problem: string): never {
    throw new RepositoryFormatError(this.key, `${this.at}${name}: ${problem}`);
  }

  string(name: string): string {
    const value = this.value[name];
    if (typeof value !== "string") this.fail(name, `must be a string, got ${shown(value)}`);
    return value;
  }

  optionalString(name: string): void {
    if (this.value[name] !== undefined) this.string(name);
  }

  /** A whole number from 0 up. */
  count(name: string): number {
    const value = this.value[name];
    if (!Number.isSafeInteger(value) || (value as number) < 0)
      this.fail(name, `must be a whole number from 0, got ${shown(value)}`);
    return value as number;
  }

  sha256(name: string): void {
    if (!SHA256_HEX.test(this.string(name))) this.fail(name, `must be 64 lowercase hex digits`);
  }

  object(name: string): JsonFields {
    return JsonFields.of(this.key, this.value[name], `${this.at}${name}`).nested();
  }

  /** Every value of the object `name` checked by `check`. */
  record(name: string, check: (fields: JsonFields, field: string) => void): void {
    const inner = this.object(name);
    for (const field of Object.keys(inner.value)) check(inner, field);
  }

  array(name: string): unknown[] {
    const value = this.value[name];
    if (!Array.isArray(value)) this.fail(name, `must be an array, got ${shown(value)}`);
    return value;
  }

  /** Each item of the array `name` as an object. */
  objects(name: string): JsonFields[] {
    return this.array(name).map((item, i) => JsonFields.of(this.key, item, `${this.at}${name}[${i}]`).nested());
  }

  private nested(): JsonFields {
    return new JsonFields(this.key, this.value, `${this.at}.`);
  }
}
