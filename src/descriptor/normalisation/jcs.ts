import { NormalisationError } from './errors.js';
import { isPlainObject, pointer, quote } from './json.js';

/**
 * RFC 8785 JSON Canonicalization Scheme: no whitespace, object members sorted by the UTF-16 code
 * units of their names, numbers in ECMAScript `Number.prototype.toString` form (so `1e+21`, `-0` as
 * `0`, `0.30000000000000004`), strings escaped as `JSON.stringify` does.
 * https://www.rfc-editor.org/rfc/rfc8785
 *
 * Accepts any value made of plain objects, arrays, strings, finite numbers, booleans and null;
 * members whose value is `undefined` are absent. Anything else (functions, class instances,
 * non-finite numbers, lone surrogates, cycles) throws `NormalisationError` naming the JSON pointer.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, '', parts, new Set());
  return parts.join('');
}

/** `canonicalJson` encoded as UTF-8: the bytes that get hashed. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

/** Orders strings by UTF-16 code units, as RFC 8785 section 3.2.3 requires (not by code points). */
export function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function write(value: unknown, path: string, parts: string[], ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      parts.push(quote(value, path));
      return;
    case 'boolean':
      parts.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new NormalisationError(path, `${value} has no JSON form`);
      // ECMAScript Number::toString is the RFC 8785 number serialisation; it also maps -0 to "0".
      parts.push(String(value));
      return;
    case 'object':
      break;
    default:
      throw new NormalisationError(path, `a value of type ${typeof value} has no JSON form`);
  }
  if (value === null) {
    parts.push('null');
    return;
  }
  if (ancestors.has(value)) throw new NormalisationError(path, 'the value contains itself (a cycle)');
  ancestors.add(value);
  if (Array.isArray(value)) {
    parts.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) parts.push(',');
      if (!(i in value) || value[i] === undefined) {
        throw new NormalisationError(pointer(path, i), 'array element without a JSON value');
      }
      write(value[i], pointer(path, i), parts, ancestors);
    }
    parts.push(']');
  } else if (isPlainObject(value)) {
    parts.push('{');
    let first = true;
    for (const key of Object.keys(value).sort(compareUtf16)) {
      const member = value[key];
      if (member === undefined) continue;
      if (!first) parts.push(',');
      first = false;
      parts.push(quote(key, path), ':');
      write(member, pointer(path, key), parts, ancestors);
    }
    parts.push('}');
  } else {
    throw new NormalisationError(path, 'a non-plain object has no JSON form');
  }
  ancestors.delete(value);
}
