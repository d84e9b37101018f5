import { listIdentities } from '../descriptor/identity.js';
import type { DescriptorV2, Resource, Source } from '../descriptor/index.js';
import { canonicalJson } from '../descriptor/normalisation/index.js';
import type { ElementChange, ElementSummary, VersionDiff } from './api.js';

export type { ElementChange, ElementChangeKind, ElementSummary, VersionDiff } from './api.js';

type Element = Resource | Source;

/**
 * What changed between two versions of a component (docs/board.md): resources and sources added,
 * removed, or with a new digest, labels, version, type or access. Elements are matched by identity.
 */
export function diffVersions(before: DescriptorV2, after: DescriptorV2): VersionDiff {
  const changes: ElementChange[] = [
    ...diffElements('resource', before.component.resources ?? [], after.component.resources ?? []),
    ...diffElements('source', before.component.sources ?? [], after.component.sources ?? []),
  ];
  return {
    component: after.component.name,
    from: before.component.version,
    to: after.component.version,
    changes,
    labels: diffLabels(before.component.labels ?? [], after.component.labels ?? []),
  };
}

function diffElements(
  kind: 'resource' | 'source',
  a: readonly Element[],
  b: readonly Element[],
): ElementChange[] {
  const key = (id: Record<string, string>) =>
    JSON.stringify(
      Object.keys(id)
        .sort()
        .map((k) => [k, id[k]]),
    );
  const index = (list: readonly Element[]) => {
    const ids = listIdentities(list);
    return new Map(list.map((e, i) => [key(ids[i]!), { element: e, identity: ids[i]! }]));
  };
  const left = index(a);
  const right = index(b);
  const out: ElementChange[] = [];
  for (const [k, { element, identity }] of left) {
    const other = right.get(k);
    if (!other) {
      out.push({ kind, change: 'removed', identity, fields: [], before: summary(element) });
      continue;
    }
    const fields = changedFields(element, other.element);
    if (fields.length > 0)
      out.push({
        kind,
        change: 'changed',
        identity,
        fields,
        before: summary(element),
        after: summary(other.element),
      });
  }
  for (const [k, { element, identity }] of right)
    if (!left.has(k)) out.push({ kind, change: 'added', identity, fields: [], after: summary(element) });
  return out;
}

function changedFields(a: Element, b: Element): string[] {
  const fields: string[] = [];
  const digestA = 'digest' in a ? (a.digest?.value ?? null) : null;
  const digestB = 'digest' in b ? (b.digest?.value ?? null) : null;
  if (digestA !== digestB) fields.push('digest');
  if (a.version !== b.version) fields.push('version');
  if (a.type !== b.type) fields.push('type');
  if (json(a.access) !== json(b.access)) fields.push('access');
  if (json(labelsOf(a)) !== json(labelsOf(b))) fields.push('labels');
  return fields;
}

function summary(e: Element): ElementSummary {
  return {
    version: e.version,
    type: e.type,
    digest: 'digest' in e ? (e.digest?.value ?? null) : null,
    labels: labelsOf(e),
  };
}

function labelsOf(e: Element) {
  return (e.labels ?? []).map((l) => ({ name: l.name, value: json(l.value ?? null) }));
}

function diffLabels(
  a: readonly { name: string; value: unknown }[],
  b: readonly { name: string; value: unknown }[],
) {
  const left = new Map(a.map((l) => [l.name, json(l.value ?? null)]));
  const right = new Map(b.map((l) => [l.name, json(l.value ?? null)]));
  const out: { name: string; before: string | null; after: string | null }[] = [];
  for (const name of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const before = left.get(name) ?? null;
    const after = right.get(name) ?? null;
    if (before !== after) out.push({ name, before, after });
  }
  return out;
}

function json(value: unknown): string {
  try {
    return canonicalJson(value);
  } catch {
    return JSON.stringify(value) ?? 'null';
  }
}
