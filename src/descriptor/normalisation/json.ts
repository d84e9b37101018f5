import { NormalisationError, UnsafeNumberError } from './errors.js';

/**
 * JSON values as the normalisations see them. Objects built here have a null prototype so that a
 * key such as `__proto__` stays an ordinary member.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** True for objects as produced by `JSON.parse` or the `yaml` package (no class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function emptyObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

export function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

export interface ToJsonOptions {
  /**
   * Drop object members whose value is `null`, at every depth (the JCS engines of both Go
   * generations skip nil map values; array elements stay).
   */
  readonly dropNullMembers: boolean;
}

/**
 * Validates `value` as a JSON document and returns a deep copy. Members whose value is `undefined`
 * are absent, as in `JSON.stringify`. Throws `NormalisationError` for anything without a JSON form
 * (functions, symbols, class instances, non-finite numbers, lone surrogates, cycles, holes) and
 * `UnsafeNumberError` for integers of magnitude 2^53 or more (see there). A `bigint`, as the `yaml`
 * package yields with `intAsBigInt`, is accepted when it is a safe integer.
 */
export function toJson(value: unknown, path: string, options: ToJsonOptions): JsonValue {
  return convert(value, path, options, new Set());
}

function convert(value: unknown, path: string, options: ToJsonOptions, ancestors: Set<object>): JsonValue {
  switch (typeof value) {
    case 'string':
      checkWellFormed(value, path);
      return value;
    case 'boolean':
      return value;
    case 'number':
      return checkNumber(value, path);
    case 'bigint':
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(-Number.MAX_SAFE_INTEGER)) {
        throw new UnsafeNumberError(path, value);
      }
      return Number(value);
    case 'object': {
      if (value === null) return null;
      if (ancestors.has(value)) throw new NormalisationError(path, 'the value contains itself (a cycle)');
      ancestors.add(value);
      try {
        if (Array.isArray(value)) {
          const out: JsonValue[] = [];
          for (let i = 0; i < value.length; i++) {
            if (!(i in value) || value[i] === undefined) {
              throw new NormalisationError(pointer(path, i), 'array element without a JSON value');
            }
            out.push(convert(value[i], pointer(path, i), options, ancestors));
          }
          return out;
        }
        if (!isPlainObject(value)) {
          throw new NormalisationError(path, `a ${describe(value)} has no JSON form`);
        }
        const out = emptyObject();
        for (const key of Object.keys(value)) {
          const member = value[key];
          if (member === undefined) continue;
          if (member === null && options.dropNullMembers) continue;
          checkWellFormed(key, path);
          out[key] = convert(member, pointer(path, key), options, ancestors);
        }
        return out;
      } finally {
        ancestors.delete(value);
      }
    }
    default:
      throw new NormalisationError(path, `a value of type ${typeof value} has no JSON form`);
  }
}

function checkNumber(value: number, path: string): number {
  if (!Number.isFinite(value)) throw new NormalisationError(path, `${value} has no JSON form`);
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new UnsafeNumberError(path, value);
  return value;
}

/** Throws for lone UTF-16 surrogates: they have no UTF-8 form, and RFC 8785 section 3.2.2.2 forbids them. */
export function checkWellFormed(text: string, path: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    throw new NormalisationError(path, `string contains a lone surrogate U+${c.toString(16).toUpperCase()}`);
  }
}

function describe(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'non-plain object';
}

const shortEscapes: Record<number, string> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};

/**
 * Quotes a string as JSON. The base rules are those of ECMAScript `JSON.stringify` (RFC 8785
 * section 3.2.2.2): `"` and `\` escaped, control characters as the short forms or `\u00xx`,
 * everything else literal. `goEscapes` adds what Go's `json.Marshal` escapes on top: `<`, `>`, `&`,
 * U+2028 and U+2029 (the legacy generic format is written by `json.Marshal`).
 */
export function quote(text: string, path: string, goEscapes = false): string {
  checkWellFormed(text, path);
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escaped: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c) {
      escaped = shortEscapes[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    } else if (goEscapes && (c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029)) {
      escaped = `\\u${c.toString(16).padStart(4, '0')}`;
    }
    if (escaped !== undefined) {
      out += text.slice(start, i) + escaped;
      start = i + 1;
    }
  }
  return `${out + text.slice(start)}"`;
}
