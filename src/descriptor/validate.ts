import type { DescriptorIssue } from './errors.js';
import { identityKey, listIdentities } from './identity.js';
import { formatPath, type PathSegment } from './path.js';
import type { ElementMeta, Identity } from './types.js';

/**
 * The rules of the v2 descriptor that its JSON schema cannot express. They run on any value and
 * skip what is not shaped as expected (the schema reports that):
 * - within each element kind, identities are unique (the implicit-version rule of docs/formats.md,
 *   element identity);
 * - `extraIdentity` never holds `name`, and its values (and `srcRefs[].identitySelector` values) are
 *   strings, as the Go types (`map[string]string`) require;
 * - label names are unique within each label list, signature names within `signatures` (ocm1 validation).
 */
export function extraIssues(document: unknown): DescriptorIssue[] {
  const issues: DescriptorIssue[] = [];
  const doc = asObject(document);
  const component = asObject(doc?.component);
  if (component === undefined) return issues;
  checkLabels(component.labels, ['component', 'labels'], issues);
  for (const kind of ['resources', 'sources', 'componentReferences'] as const) {
    const list = component[kind];
    if (!Array.isArray(list)) continue;
    const elements: Array<{ element: ElementMeta; index: number }> = [];
    list.forEach((item, index) => {
      const element = asObject(item);
      if (element === undefined) return;
      const path: PathSegment[] = ['component', kind, index];
      checkLabels(element.labels, [...path, 'labels'], issues);
      const extra = asObject(element.extraIdentity);
      let identityUsable = typeof element.name === 'string';
      if (extra !== undefined) {
        if (Object.hasOwn(extra, 'name')) {
          issues.push({
            path: formatPath([...path, 'extraIdentity', 'name']),
            message: 'must not be set: the element name is already part of the identity',
          });
        }
        if (!stringValues(extra, [...path, 'extraIdentity'], issues)) identityUsable = false;
      }
      if (Array.isArray(element.srcRefs)) {
        element.srcRefs.forEach((ref, r) => {
          const srcRef = asObject(ref);
          const selector = asObject(srcRef?.identitySelector);
          if (selector !== undefined)
            stringValues(selector, [...path, 'srcRefs', r, 'identitySelector'], issues);
          checkLabels(srcRef?.labels, [...path, 'srcRefs', r, 'labels'], issues);
        });
      }
      if (identityUsable) elements.push({ element: element as unknown as ElementMeta, index });
    });
    const seen = new Map<string, number>();
    const identities = listIdentities(elements.map((e) => e.element));
    for (const [i, { index }] of elements.entries()) {
      const identity = identities[i] as Identity;
      const key = identityKey(identity);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, index);
      } else {
        issues.push({
          path: formatPath(['component', kind, index]),
          message: `duplicate identity ${JSON.stringify(identity)}: ${formatPath(['component', kind, first])} has it too`,
        });
      }
    }
  }
  uniqueNames(doc?.signatures, ['signatures'], 'signature', issues);
  return issues;
}

function checkLabels(labels: unknown, path: PathSegment[], issues: DescriptorIssue[]): void {
  uniqueNames(labels, path, 'label', issues);
}

/** Reports each entry of `list` whose `name` an earlier entry already has. */
function uniqueNames(list: unknown, path: PathSegment[], what: string, issues: DescriptorIssue[]): void {
  if (!Array.isArray(list)) return;
  const seen = new Map<string, number>();
  list.forEach((item, index) => {
    const name = asObject(item)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else {
      issues.push({
        path: formatPath([...path, index, 'name']),
        message: `duplicate ${what} name ${JSON.stringify(name)}: ${formatPath([...path, first])} has it too`,
      });
    }
  });
}

/** Reports each non-string value; true when all values are strings. */
function stringValues(map: Record<string, unknown>, path: PathSegment[], issues: DescriptorIssue[]): boolean {
  let ok = true;
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') {
      issues.push({ path: formatPath([...path, key]), message: 'must be a string' });
      ok = false;
    }
  }
  return ok;
}

/** The value as a plain object (not null, not a list), or `undefined`. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
