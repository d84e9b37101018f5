/**
 * A strict RFC 8259 reader. `JSON.parse` silently keeps the last of duplicate keys and turns
 * out-of-range numbers into Infinity; a descriptor with either would read differently in Go
 * (or not at all), so this reader refuses both, and bounds nesting so hostile input cannot exhaust the stack.
 */
import { JsonSyntaxError } from './errors.js';

const integerSource = /^([-+]?)(0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+)$/;

/**
 * False when `source` is an integer literal (JSON, or YAML decimal, hex or octal) that the number
 * `value` does not hold exactly: beyond 2^53 a double rounds, and the value would silently change.
 * Float literals (`1.5e300`) are taken as what they say.
 */
export function isExactInteger(source: string, value: number): boolean {
  const m = integerSource.exec(source);
  if (m === null || !Number.isInteger(value)) return true;
  const magnitude = BigInt(m[2] as string);
  return (m[1] === '-' ? -magnitude : magnitude) === BigInt(value);
}

const numberToken = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseStrictJson(text: string, maxDepth: number): unknown {
  let i = 0;

  const fail = (message: string, at = i): never => {
    throw new JsonSyntaxError(message, at);
  };
  const refuse = (message: string, at = i): never => {
    throw new JsonSyntaxError(message, at, { refused: true });
  };
  const skipSpace = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  const expect = (literal: string, value: unknown): unknown => {
    if (!text.startsWith(literal, i)) fail('unexpected token');
    i += literal.length;
    return value;
  };
  const readString = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in string');
      i += c === 0x5c ? 2 : 1;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid escape in string', start);
    }
  };
  const readNumber = (): number => {
    numberToken.lastIndex = i;
    const m = numberToken.exec(text);
    if (m === null) return fail('unexpected token');
    const value = Number(m[0]);
    if (!Number.isFinite(value)) refuse('number out of range');
    if (!Number.isSafeInteger(value) && !isExactInteger(m[0], value)) {
      refuse('integer too large to be represented exactly');
    }
    i += m[0].length;
    return value;
  };
  const readValue = (depth: number): unknown => {
    if (depth > maxDepth) refuse(`nesting deeper than ${maxDepth} levels`);
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      const object: Record<string, unknown> = {};
      const seen = new Set<string>();
      skipSpace();
      if (text[i] === '}') {
        i++;
        return object;
      }
      for (;;) {
        skipSpace();
        if (text[i] !== '"') fail('expected a string key');
        const keyAt = i;
        const key = readString();
        if (seen.has(key)) refuse(`duplicate key ${JSON.stringify(key)}`, keyAt);
        seen.add(key);
        skipSpace();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        // defineProperty: a "__proto__" key must become data, never the object's prototype.
        Object.defineProperty(object, key, {
          value: readValue(depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skipSpace();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return object;
        } else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const array: unknown[] = [];
      skipSpace();
      if (text[i] === ']') {
        i++;
        return array;
      }
      for (;;) {
        array.push(readValue(depth + 1));
        skipSpace();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return array;
        } else fail('expected "," or "]"');
      }
    }
    if (c === '"') return readString();
    if (c === 't') return expect('true', true);
    if (c === 'f') return expect('false', false);
    if (c === 'n') return expect('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return readNumber();
    return fail(c === undefined ? 'unexpected end of input' : 'unexpected token');
  };

  const value = readValue(1);
  skipSpace();
  if (i < text.length) fail('unexpected data after the JSON value');
  return value;
}
