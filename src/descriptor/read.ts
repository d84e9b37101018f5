import YAML, { isMap, isPair, isScalar, isSeq, type Node, Parser } from 'yaml';
import { type DescriptorIssue, InvalidDescriptorError, JsonSyntaxError } from './errors.js';
import { isExactInteger, parseStrictJson } from './json.js';

/**
 * Turning bytes into a JSON-compatible value, before any descriptor rule applies. Whatever the
 * input, the outcome is that value or an `InvalidDescriptorError`; nothing else is thrown.
 */
export type DocumentFormat = 'yaml' | 'json';

export interface ReadLimits {
  /** Largest accepted input in bytes. Default 16 MiB. */
  maxBytes?: number;
  /** Deepest accepted nesting of maps and lists. Default 100. */
  maxDepth?: number;
  /** Most alias expansions a YAML document may make (yaml's `maxAliasCount`). Default 100. */
  maxAliasCount?: number;
}

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 100;
export const DEFAULT_MAX_ALIAS_COUNT = 100;

/**
 * Decodes UTF-8 (a leading byte order mark is dropped) and parses it. `format` undefined means: JSON
 * when the text starts with `{` and is valid JSON, YAML otherwise (JSON is nearly a subset of YAML 1.2).
 * YAML is read as YAML 1.2 (core schema) restricted to what JSON can carry: no tags other than the
 * core ones, string keys only, finite numbers, no integer literal a double cannot hold exactly
 * (`isExactInteger`), one document; merge keys (`<<`) are honoured as the Go readers do.
 */
export function readDocument(
  input: Uint8Array | string,
  format: DocumentFormat | undefined,
  limits: ReadLimits = {},
): unknown {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const text = decode(input, maxBytes);
  if (format === 'json') return readJson(text, maxDepth);
  if (format === undefined && text.trimStart().startsWith('{')) {
    try {
      return readJson(text, maxDepth);
    } catch (error) {
      // Valid JSON we refuse (duplicate keys, ...) stays refused; a syntax error means it may be a
      // YAML flow mapping, and YAML reports the problem if it is not.
      if (
        !(error instanceof InvalidDescriptorError) ||
        !(error.cause instanceof JsonSyntaxError) ||
        !error.cause.syntax
      ) {
        throw error;
      }
    }
  }
  return readYaml(text, maxDepth, limits.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT);
}

function invalid(message: string, cause?: unknown): InvalidDescriptorError {
  return new InvalidDescriptorError([{ path: '', message }], cause === undefined ? {} : { cause });
}

function decode(input: Uint8Array | string, maxBytes: number): string {
  if (typeof input === 'string') {
    // A character takes at most 3 UTF-8 bytes (4 for a surrogate pair, which is 2 characters).
    if (input.length > maxBytes || (input.length * 3 > maxBytes && utf8Length(input) > maxBytes)) {
      throw invalid(`larger than the limit of ${maxBytes} bytes`);
    }
    return input.startsWith('\uFEFF') ? input.slice(1) : input;
  }
  if (!(input instanceof Uint8Array)) throw invalid('input must be a string or a Uint8Array');
  if (input.byteLength > maxBytes) throw invalid(`larger than the limit of ${maxBytes} bytes`);
  try {
    // ignoreBOM: false (the default) strips a leading byte order mark.
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch (cause) {
    throw invalid('not valid UTF-8', cause);
  }
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

function readJson(text: string, maxDepth: number): unknown {
  try {
    return parseStrictJson(text, maxDepth);
  } catch (cause) {
    if (cause instanceof JsonSyntaxError) {
      const { line, col } = lineAndColumn(text, cause.offset);
      throw invalid(`invalid JSON at line ${line}, column ${col}: ${cause.message}`, cause);
    }
    throw invalid('invalid JSON', cause);
  }
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/** Tags whose values JSON can carry; everything else (`!!binary`, `!!set`, `!custom`, ...) is refused. */
const allowedTags = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

function readYaml(text: string, maxDepth: number, maxAliasCount: number): unknown {
  // yaml's composer recurses once per nesting level. Deep enough input overflows the stack, and an
  // overflow that lands while V8 compiles a regular expression aborts the whole process ("RegExpCompiler
  // Allocation failed"), which no catch can stop. The CST parser is iterative: measure with it first.
  if (collectionDepth(text, maxDepth) > maxDepth) throw invalid(`nesting deeper than ${maxDepth} levels`);
  let document: YAML.Document.Parsed;
  try {
    document = YAML.parseDocument(text, {
      version: '1.2',
      schema: 'core',
      merge: true,
      uniqueKeys: true,
      strict: true,
      prettyErrors: true,
      // 'error', not 'silent': silent would also drop the multiple-documents error; neither prints warnings.
      logLevel: 'error',
    });
  } catch (cause) {
    // The composer recurses; absurd nesting ends in a RangeError.
    throw invalid('invalid YAML: the document cannot be read', cause);
  }
  // Broken input can repeat one error many times: keep each message once, and at most 20.
  const messages = new Set(
    [...document.errors, ...document.warnings].map(
      (e) =>
        `invalid YAML at line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: ${firstLine(e.message)}`,
    ),
  );
  const issues: DescriptorIssue[] = [...messages].slice(0, 20).map((message) => ({ path: '', message }));
  if (issues.length === 0 && document.contents !== null)
    issues.push(...jsonIncompatibilities(document.contents, maxDepth));
  if (issues.length > 0) throw new InvalidDescriptorError(issues);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount });
  } catch (cause) {
    throw invalid(
      cause instanceof ReferenceError
        ? `too many alias expansions (more than ${maxAliasCount}): refusing a possible YAML bomb`
        : 'invalid YAML: the document cannot be converted',
      cause,
    );
  }
  // Aliases can nest what each anchor kept shallow, and a recursive alias (`&a [*a]`) makes a cycle.
  if (depthOf(value, maxDepth) > maxDepth) throw invalid(`nesting deeper than ${maxDepth} levels`);
  return value;
}

/** Nesting of collections in the YAML syntax tree, walked without recursion; stops once above `limit`. */
function collectionDepth(text: string, limit: number): number {
  interface CstNode {
    type?: string;
    value?: unknown;
    items?: readonly { key?: unknown; value?: unknown }[];
  }
  let max = 0;
  for (const token of new Parser().parse(text)) {
    const stack: Array<[unknown, number]> = [[token, 0]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop() as [CstNode | undefined, number];
      if (node === null || typeof node !== 'object') continue;
      const collection =
        node.type === 'block-map' || node.type === 'block-seq' || node.type === 'flow-collection';
      const here = collection ? depth + 1 : depth;
      if (here > max) max = here;
      if (max > limit) return max;
      if (node.type === 'document') stack.push([node.value, here]);
      else if (collection) {
        for (const item of node.items ?? []) stack.push([item.key, here], [item.value, here]);
      }
    }
  }
  return max;
}

/**
 * Nesting depth of a JSON value (a scalar is 0), computed without recursion. Stops as soon as it
 * exceeds `limit`: a cyclic value is infinitely deep and would otherwise never end the walk.
 */
function depthOf(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    max = Math.max(max, depth + 1);
    if (max > limit) return max;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return max;
}

/** The message without the location suffix `prettyErrors` appends (we put the location first). */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * What YAML can say and JSON cannot: foreign tags, non-string keys, non-finite numbers, integers a
 * JavaScript number would round. Walked iteratively with an explicit depth so nesting cannot
 * exhaust the stack. Aliases are checked where their anchor is.
 */
function jsonIncompatibilities(root: Node, maxDepth: number): DescriptorIssue[] {
  const issues: DescriptorIssue[] = [];
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 1 }];
  const where = (node: Node): string => {
    const offset = node.range?.[0];
    return offset === undefined ? '' : ` (offset ${offset})`;
  };
  while (stack.length > 0 && issues.length < 100) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (depth > maxDepth) {
      issues.push({ path: '', message: `nesting deeper than ${maxDepth} levels` });
      break;
    }
    if (isScalar(node) || isMap(node) || isSeq(node)) {
      if (node.tag !== undefined && !allowedTags.has(node.tag)) {
        issues.push({ path: '', message: `YAML tag ${node.tag} is not allowed${where(node)}` });
        continue;
      }
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) {
          issues.push({ path: '', message: `number ${node.source} is not allowed${where(node)}` });
        } else if (!Number.isSafeInteger(v) && !isExactInteger(String(node.source), v)) {
          issues.push({
            path: '',
            message: `integer ${node.source} is too large to be kept exactly${where(node)}`,
          });
        }
      } else if (v !== null && typeof v !== 'string' && typeof v !== 'boolean') {
        issues.push({ path: '', message: `a value JSON cannot hold${where(node)}` });
      }
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        // The merge key `<<` (its value a Symbol in yaml) is expanded by toJS; other keys must be strings.
        const mergeKey = isScalar(key) && typeof key.value === 'symbol' && key.source === '<<';
        if (!mergeKey && (!isScalar(key) || typeof key.value !== 'string')) {
          issues.push({
            path: '',
            message: `map keys must be strings${isScalar(key) ? `, not ${JSON.stringify(String(key.value))}` : ''}${key !== null && typeof key === 'object' ? where(key as Node) : ''}`,
          });
          continue;
        }
        if (!mergeKey) stack.push({ node: key, depth: depth + 1 });
        stack.push({ node: pair.value, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return issues;
}
