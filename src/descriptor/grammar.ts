import { InvalidComponentNameError, InvalidVersionError } from './errors.js';

/**
 * Grammars of the component descriptor v2, copied exactly from the schema shipped in `schema/`
 * (`$defs.componentName`, `$defs.relaxedSemver`), which ocm1, ocm2 and ocm2's `compref.ComponentRegex` share.
 * Note: the spec's prose names bare domains such as `github.com` as examples; the regex rejects them
 * (at least one `/path` segment is required), and so do we.
 */
export const componentNamePattern =
  /^[a-z][-a-z0-9]*([.][a-z][-a-z0-9]*)*[.][a-z]{2,}(\/[a-z][-a-z0-9_]*([.][a-z][-a-z0-9_]*)*)+$/;
export const MAX_COMPONENT_NAME_LENGTH = 255;

/**
 * Relaxed semantic version: an optional leading `v`, minor and patch optional, no leading zeros,
 * SemVer 2 pre-release and build metadata.
 */
export const versionPattern =
  /^[v]?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Element names and `extraIdentity` keys (`$defs.identityAttributeKey`). */
export const identityAttributeKeyPattern = /^[a-z0-9]([-_+a-z0-9]*[a-z0-9])?$/;

export function isValidComponentName(name: unknown): name is string {
  return (
    typeof name === 'string' && name.length <= MAX_COMPONENT_NAME_LENGTH && componentNamePattern.test(name)
  );
}

export function isValidVersion(version: unknown): version is string {
  return typeof version === 'string' && versionPattern.test(version);
}

/** Returns `name` unchanged, or throws `InvalidComponentNameError`. */
export function validateComponentName(name: string): string {
  if (isValidComponentName(name)) return name;
  const text = String(name as unknown);
  throw new InvalidComponentNameError(
    text,
    text.length > MAX_COMPONENT_NAME_LENGTH
      ? `longer than ${MAX_COMPONENT_NAME_LENGTH} characters`
      : undefined,
  );
}

/** Returns `version` unchanged, or throws `InvalidVersionError`. */
export function validateVersion(version: string): string {
  if (isValidVersion(version)) return version;
  throw new InvalidVersionError(String(version as unknown));
}
