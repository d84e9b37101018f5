import YAML, { Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { type DescriptorIssue, InvalidDescriptorError } from './errors.js';
import { goKeyCompare, goResolvesAsNonString } from './goyaml.js';
import { isExactInteger } from './json.js';
import { validateDescriptor } from './parse.js';
import { formatPath, type PathSegment } from './path.js';
import type { DescriptorV2 } from './types.js';

export type SerialiseFormat = 'yaml' | 'json';

export interface SerialiseOptions {
  /** Default `yaml`. */
  format?: SerialiseFormat;
  /**
   * Default true: the descriptor must pass `checkDescriptor` first (throws `InvalidDescriptorError`),
   * so nothing invalid is ever written. Turn off only to re-emit a stored descriptor read leniently.
   */
  validate?: boolean;
}

/**
 * The descriptor as text. YAML is laid out like the Go writers' (see `toGoYaml`); JSON is compact with
 * keys in the order the object holds them (for a parsed descriptor: the order read). In both, keys
 * whose value is `undefined` are left out, as `JSON.stringify` does, and every other key is kept.
 */
export function serialiseDescriptor(descriptor: DescriptorV2, options: SerialiseOptions = {}): string {
  if (options.validate !== false) validateDescriptor(descriptor);
  if (options.format !== 'json') return toGoYaml(descriptor);
  const issues = numberIssues(descriptor);
  if (issues.length > 0) throw new InvalidDescriptorError(issues);
  return JSON.stringify(descriptor);
}

/**
 * Any JSON value as YAML the way sigs.k8s.io/yaml (go-yaml v2) writes it: keys sorted as go-yaml sorts
 * them, block style with lists at the indent of their key, `[]`/`{}` for empty collections, strings
 * plain unless go-yaml would read them as another type (then double-quoted) or plain is impossible
 * (then single-quoted where possible), multi-line strings as literal blocks, long lines folded at 80
 * columns. Readers (ours and Go's) get back exactly the same value.
 */
export function toGoYaml(value: unknown): string {
  const issues = numberIssues(value);
  if (issues.length > 0) throw new InvalidDescriptorError(issues);
  // YAML 1.2 without merge keys: quoting is decided by `stringNode` (go-yaml's YAML 1.1 rules); the
  // yaml package's own 1.1 mode would print a "<<" key plain, which go-yaml reads as a merge key.
  const document = new YAML.Document(null, { version: '1.2', merge: false });
  // A multi-line string as the whole document: the yaml package misreads its own root block scalars
  // with an indentation indicator (" a\n b"), so such a document is written double-quoted.
  document.contents = (
    typeof value === 'string' && value.includes('\n') ? quoted(value) : toNode(value)
  ) as YAML.Document['contents'];
  return document.toString({
    indentSeq: false,
    lineWidth: 80,
    minContentWidth: 20,
    singleQuote: true,
    nullStr: 'null',
    trueStr: 'true',
    falseStr: 'false',
  });
}

/**
 * Numbers whose text would not mean the same value to every reader: NaN and infinities (not JSON), and
 * integers beyond 2^53 that JavaScript prints with digits the double does not hold (Go reads such text
 * as the exact int64, a different value). Our reader refuses both, so our writer never produces them.
 */
function numberIssues(value: unknown): DescriptorIssue[] {
  const issues: DescriptorIssue[] = [];
  const stack: Array<[unknown, PathSegment[]]> = [[value, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, PathSegment[]];
    if (typeof node === 'number') {
      if (!Number.isFinite(node) || !isExactInteger(String(node), node)) {
        issues.push({ path: formatPath(path), message: `the number ${node} cannot be written exactly` });
      }
    } else if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) stack.push([item, [...path, i]]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) stack.push([item, [...path, key]]);
    }
  }
  return issues;
}

function toNode(value: unknown): unknown {
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    // JSON.stringify writes `undefined` list items as null; so do we.
    for (const item of value) seq.items.push(toNode(item === undefined ? null : item));
    return seq;
  }
  if (value !== null && typeof value === 'object') {
    const map = new YAMLMap();
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort(goKeyCompare);
    for (const key of keys)
      map.items.push(new Pair(stringNode(key), toNode((value as Record<string, unknown>)[key])));
    return map;
  }
  if (typeof value === 'string') return stringNode(value);
  return new Scalar(value);
}

function quoted(text: string): Scalar {
  const node = new Scalar(text);
  node.type = Scalar.QUOTE_DOUBLE;
  return node;
}

function stringNode(text: string): Scalar {
  const node = new Scalar(text);
  if (text.includes('\n')) node.type = Scalar.BLOCK_LITERAL;
  else if (goResolvesAsNonString(text)) node.type = Scalar.QUOTE_DOUBLE;
  else node.type = Scalar.PLAIN;
  return node;
}
