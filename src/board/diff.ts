import { identityKey, listIdentities } from '../descriptor/identity.js';
import type { ComponentReference, DescriptorV2, ElementMeta, Resource, Source } from '../descriptor/index.js';
import { canonicalJson } from '../descriptor/normalisation/index.js';
import type { ElementChange, ElementSummary, ReferenceChange, ReferenceSummary, VersionDiff } from './api.js';

export type {
  ElementChange,
  ElementChangeKind,
  ElementSummary,
  ReferenceChange,
  VersionDiff,
} from './api.js';

type Element = Resource | Source;

/**
 * What changed between two versions of a component (docs/board.md): resources and sources added,
 * removed, or with a new digest, labels, version, type or access; component references added,
 * removed, or naming another component, version or digest. Elements are matched by identity. The
 * parts' own diffs are the reader's business (`BoardReader.diff`): this function reads nothing.
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
    references: diffReferences(
      before.component.componentReferences ?? [],
      after.component.componentReferences ?? [],
    ),
    labels: diffLabels(before.component.labels ?? [], after.component.labels ?? []),
  };
}

/** The two lists' elements matched by identity: one entry per identity, with either side missing. */
function match<T extends ElementMeta>(
  a: readonly T[],
  b: readonly T[],
): { identity: Record<string, string>; before?: T; after?: T }[] {
  const out = new Map<string, { identity: Record<string, string>; before?: T; after?: T }>();
  const ids = [listIdentities(a), listIdentities(b)];
  for (const [i, e] of a.entries()) out.set(identityKey(ids[0]![i]!), { identity: ids[0]![i]!, before: e });
  for (const [i, e] of b.entries()) {
    const k = identityKey(ids[1]![i]!);
    out.set(k, { ...(out.get(k) ?? { identity: ids[1]![i]! }), after: e });
  }
  // In the order of the first list (removed and changed), then the added (new keys go last).
  return [...out.values()];
}

function diffElements(
  kind: 'resource' | 'source',
  a: readonly Element[],
  b: readonly Element[],
): ElementChange[] {
  const out: ElementChange[] = [];
  for (const { identity, before, after } of match(a, b)) {
    if (!after) out.push({ kind, change: 'removed', identity, fields: [], before: summary(before!) });
    else if (!before) out.push({ kind, change: 'added', identity, fields: [], after: summary(after) });
    else {
      const fields = changedFields(before, after);
      if (fields.length > 0)
        out.push({
          kind,
          change: 'changed',
          identity,
          fields,
          before: summary(before),
          after: summary(after),
        });
    }
  }
  return out;
}

function diffReferences(
  a: readonly ComponentReference[],
  b: readonly ComponentReference[],
): ReferenceChange[] {
  const out: ReferenceChange[] = [];
  for (const { identity, before, after } of match(a, b)) {
    if (!after) out.push({ change: 'removed', identity, fields: [], before: referenceSummary(before!) });
    else if (!before) out.push({ change: 'added', identity, fields: [], after: referenceSummary(after) });
    else {
      const [x, y] = [referenceSummary(before), referenceSummary(after)];
      const fields: string[] = [];
      if (x.component !== y.component) fields.push('component');
      if (x.version !== y.version) fields.push('version');
      if (x.digest !== y.digest) fields.push('digest');
      if (json(labelsOf(before)) !== json(labelsOf(after))) fields.push('labels');
      if (fields.length > 0) out.push({ change: 'changed', identity, fields, before: x, after: y });
    }
  }
  return out;
}

function referenceSummary(r: ComponentReference): ReferenceSummary {
  return { component: r.componentName, version: r.version, digest: r.digest?.value ?? null };
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

function labelsOf(e: Element | ComponentReference) {
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
