import { isVersionLikeTag } from '../descriptor/index.js';
import { isValidTag } from '../oci/reference.js';
import { InvalidAliasError } from './errors.js';

/** Names computed from the versions when no alias of that name is stored (docs/aliases.md, Resolution). */
export const COMPUTED_ALIASES = ['latest', 'stable'] as const;
export type ComputedAlias = (typeof COMPUTED_ALIASES)[number];

export function isComputedAlias(name: string): name is ComputedAlias {
  return (COMPUTED_ALIASES as readonly string[]).includes(name);
}

/** Tags of the OCI referrers tag schema (`sha256-<hex>`), which clients maintain themselves. */
const referrerTag = /^sha(?:256|384|512)-[0-9a-f]{64}$/;

/** Why `name` cannot be an alias, or undefined when it can (docs/aliases.md). */
export function aliasProblem(name: string): string | undefined {
  if (typeof name !== 'string' || !isValidTag(name))
    return 'an alias is an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}';
  if (isVersionLikeTag(name)) {
    return 'it is, or reads back as, a version (a tag with ".build-" stands for "+"); aliases must not look like versions';
  }
  if (referrerTag.test(name)) return 'tags of the form <algorithm>-<hex> are reserved for OCI referrers';
  if (name.startsWith('_ocm')) return 'names starting with "_ocm" are reserved';
  return undefined;
}

export function validateAlias(name: string): string {
  const problem = aliasProblem(name);
  if (problem !== undefined) throw new InvalidAliasError(name, problem);
  return name;
}

/** Whether a tag can be an alias at all; other tags (versions, referrer tags) are never listed as aliases. */
export function isAliasTag(tag: string): boolean {
  return aliasProblem(tag) === undefined;
}
