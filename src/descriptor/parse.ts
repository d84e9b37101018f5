import { type DescriptorIssue, InvalidDescriptorError } from './errors.js';
import { formatPath, type PathSegment } from './path.js';
import { type DocumentFormat, type ReadLimits, readDocument } from './read.js';
import { schemaIssues } from './schema.js';
import type { DescriptorV2 } from './types.js';
import { asObject, extraIssues } from './validate.js';

export interface ParseDescriptorOptions extends ReadLimits {
  /** `json` or `yaml`; undefined: JSON when the text is a JSON object, YAML otherwise. */
  format?: DocumentFormat;
  /**
   * Default true: the schema and every extra rule must pass (`checkDescriptor`). Use it for user input
   * and before writing. `false` is for descriptors already stored by other tools (the Go v2 bindings
   * only warn on schema failures, so stored descriptors may break rules): it still requires a
   * readable, JSON-compatible document with `meta.schemaVersion` v2, a non-empty component name and
   * version, and element lists that are lists of objects, so callers can navigate it; nothing else
   * is checked. Call `checkDescriptor` on the result to report what a lenient read let through.
   */
  strict?: boolean;
}

/**
 * Reads a v2 component descriptor from YAML or JSON (bytes must be UTF-8). The result is the
 * document as read: keys this model does not know are kept. Throws `InvalidDescriptorError`, listing
 * every problem found, and nothing else.
 */
export function parseDescriptor(
  input: Uint8Array | string,
  options: ParseDescriptorOptions = {},
): DescriptorV2 {
  const document = readDocument(input, options.format, options);
  return options.strict === false ? requireNavigable(document) : validateDescriptor(document);
}

/** Every problem of a value as a v2 descriptor: schema findings, then the extra rules. Empty when valid. */
export function checkDescriptor(document: unknown): DescriptorIssue[] {
  const v3 = v3Issue(document);
  if (v3 !== undefined) return [v3];
  return [...schemaIssues(document), ...extraIssues(document)];
}

/** Returns the value typed as a descriptor, or throws `InvalidDescriptorError` with `checkDescriptor`'s issues. */
export function validateDescriptor(document: unknown): DescriptorV2 {
  const issues = checkDescriptor(document);
  if (issues.length > 0) throw new InvalidDescriptorError(issues);
  return document as DescriptorV2;
}

function v3Issue(document: unknown): DescriptorIssue | undefined {
  const apiVersion = asObject(document)?.apiVersion;
  if (typeof apiVersion !== 'string') return undefined;
  return {
    path: 'apiVersion',
    message: `${JSON.stringify(apiVersion)} descriptors (v3alpha1) are not supported; only meta.schemaVersion v2 is`,
  };
}

/** The lenient minimum: what every reader of a stored descriptor dereferences. */
function requireNavigable(document: unknown): DescriptorV2 {
  const v3 = v3Issue(document);
  if (v3 !== undefined) throw new InvalidDescriptorError([v3]);
  const issues: DescriptorIssue[] = [];
  const need = (ok: boolean, path: PathSegment[], message: string): void => {
    if (!ok) issues.push({ path: formatPath(path), message });
  };
  const doc = asObject(document);
  need(doc !== undefined, [], 'must be a mapping');
  const meta = asObject(doc?.meta);
  need(meta !== undefined, ['meta'], 'must be a mapping');
  const schemaVersion = meta?.schemaVersion;
  need(
    meta === undefined || (typeof schemaVersion === 'string' && schemaVersion.startsWith('v2')),
    ['meta', 'schemaVersion'],
    'must be "v2"',
  );
  const component = asObject(doc?.component);
  need(doc === undefined || component !== undefined, ['component'], 'must be a mapping');
  if (component !== undefined) {
    for (const key of ['name', 'version'] as const) {
      const value = component[key];
      need(typeof value === 'string' && value !== '', ['component', key], 'must be a non-empty string');
    }
    for (const key of [
      'resources',
      'sources',
      'componentReferences',
      'repositoryContexts',
      'labels',
    ] as const) {
      const list = component[key];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        need(false, ['component', key], 'must be a list or null');
        continue;
      }
      list.forEach((item, index) => {
        need(asObject(item) !== undefined, ['component', key, index], 'must be a mapping');
      });
    }
  }
  if (issues.length > 0) throw new InvalidDescriptorError(issues);
  return document as DescriptorV2;
}
