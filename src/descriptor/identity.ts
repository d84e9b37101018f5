import type {
  ComponentReference,
  DescriptorV2,
  ElementKind,
  ElementMeta,
  Identity,
  Resource,
  Source,
} from './types.js';

/**
 * Element identities (docs/formats.md, element identity): `name` plus every `extraIdentity` pair;
 * when that is not unique among the elements of the same kind, `version` joins the identity. This is
 * ocm1's `GetIdentity`: the `name` attribute always comes from the element's name, an implicit
 * `version` overrides an `extraIdentity.version`.
 */
export function elementIdentity(element: ElementMeta, siblings?: readonly ElementMeta[]): Identity {
  const identity = baseIdentity(element);
  if (siblings !== undefined) {
    const key = identityKey(identity);
    let count = 0;
    for (const other of siblings) if (identityKey(baseIdentity(other)) === key) count++;
    if (count > 1) identity.version = element.version;
  }
  return identity;
}

/** The full identities of a list's elements, in order: `elementIdentity(e, list)` for each, in linear time. */
export function listIdentities(list: readonly ElementMeta[]): Identity[] {
  const bases = list.map(baseIdentity);
  const keys = bases.map(identityKey);
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return bases.map((identity, i) => {
    if ((counts.get(keys[i] as string) ?? 0) > 1) identity.version = (list[i] as ElementMeta).version;
    return identity;
  });
}

function baseIdentity(element: ElementMeta): Identity {
  return { ...(element.extraIdentity ?? {}), name: element.name };
}

/** A canonical string for an identity (keys sorted), usable as a map key and for equality. */
export function identityKey(identity: Identity): string {
  const keys = Object.keys(identity).sort();
  return JSON.stringify(keys.map((k) => [k, identity[k]]));
}

export function identityEquals(a: Identity, b: Identity): boolean {
  return identityKey(a) === identityKey(b);
}

/**
 * The element of `list` that `identity` names, or `undefined`. The identity must equal the element's
 * full identity (implicit version included); a `version` given where the element's identity does not
 * need one is accepted when it equals the element's version.
 */
export function findElement<T extends ElementMeta>(
  list: readonly T[] | null | undefined,
  identity: Identity,
): T | undefined {
  if (list === null || list === undefined) return undefined;
  const wanted = identityKey(identity);
  const { version, ...withoutVersion } = identity;
  const wantedWithoutVersion = identityKey(withoutVersion);
  const identities = listIdentities(list);
  for (const [i, element] of list.entries()) {
    const full = identities[i] as Identity;
    if (identityKey(full) === wanted) return element;
    if (
      version !== undefined &&
      full.version === undefined &&
      element.version === version &&
      identityKey(full) === wantedWithoutVersion
    ) {
      return element;
    }
  }
  return undefined;
}

export function findResource(descriptor: DescriptorV2, identity: Identity): Resource | undefined {
  return findElement(descriptor.component.resources, identity);
}

export function findSource(descriptor: DescriptorV2, identity: Identity): Source | undefined {
  return findElement(descriptor.component.sources, identity);
}

export function findComponentReference(
  descriptor: DescriptorV2,
  identity: Identity,
): ComponentReference | undefined {
  return findElement(descriptor.component.componentReferences, identity);
}

/** The full identities of one kind's elements, in list order. */
export function elementIdentities(descriptor: DescriptorV2, kind: ElementKind): Identity[] {
  return listIdentities(descriptor.component[kind] ?? []);
}
