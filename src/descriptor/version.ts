import semver from 'semver';
import { isValidTag } from '../oci/reference.js';
import { InvalidVersionError } from './errors.js';
import { isValidVersion, validateVersion, versionPattern } from './grammar.js';

/**
 * Component versions as OCI tags (docs/formats.md, Tags): version -> tag replaces the first `+` by
 * `.build-` (a relaxed semver holds at most one `+`); tag -> version replaces the last `.build-` by
 * `+` (as ocm1 reads tags). OCI tags cannot hold `+`.
 */
const BUILD_MARKER = '.build-';

/**
 * The tag a component version is stored under. Throws `InvalidVersionError` for an invalid version,
 * for one whose tag would exceed the 128 characters of the OCI tag grammar, and for one that would not
 * read back as itself: a version that already contains `.build-` (e.g. `1.0.0-rc.build-5`) shares its
 * tag with another version (`1.0.0-rc+5`), and we refuse to write such a collision.
 */
export function versionToTag(version: string): string {
  validateVersion(version);
  const tag = version.replace('+', BUILD_MARKER);
  if (!isValidTag(tag)) {
    throw new InvalidVersionError(
      version,
      `its OCI tag ${JSON.stringify(tag)} is longer than 128 characters`,
    );
  }
  if (tagToVersion(tag) !== version) {
    throw new InvalidVersionError(
      version,
      `it contains "${BUILD_MARKER}", which an OCI tag cannot tell apart from build metadata ("+")`,
    );
  }
  return tag;
}

/** The version a tag stands for, by the mapping alone; the result is not checked (see `versionFromTag`). */
export function tagToVersion(tag: string): string {
  const at = tag.lastIndexOf(BUILD_MARKER);
  return at < 0 ? tag : `${tag.slice(0, at)}+${tag.slice(at + BUILD_MARKER.length)}`;
}

/** The version a tag stands for, or `undefined` when the tag does not decode to a relaxed semver. */
export function versionFromTag(tag: string): string | undefined {
  const version = tagToVersion(tag);
  return isValidVersion(version) ? version : undefined;
}

/**
 * Whether a tag is, or decodes to, a relaxed semver. Such a tag may name a component version and
 * therefore must never be used as an alias: `1.0.0.build-5` is the tag of version `1.0.0+5`.
 */
export function isVersionLikeTag(tag: string): boolean {
  return isValidVersion(tag) || versionFromTag(tag) !== undefined;
}

/** Whether a valid version carries a pre-release part (`1.0.0-rc.1`); throws for an invalid version. */
export function isPrerelease(version: string): boolean {
  return parts(version).prerelease.length > 0;
}

/**
 * SemVer 2 precedence of two relaxed versions: negative, zero or positive. A leading `v` and missing
 * minor/patch (read as 0) do not matter, nor does build metadata: `v1.0` and `1.0.0+b` compare equal.
 * Throws `InvalidVersionError` when either is not a relaxed semver.
 */
export function compareVersions(a: string, b: string): number {
  const sa = toSemver(a);
  const sb = toSemver(b);
  if (sa !== undefined && sb !== undefined) return sa.compare(sb);
  return comparePrecedence(parts(a), parts(b));
}

/**
 * A new array, highest precedence first. Ties (same precedence) are ordered by build metadata, then by
 * the strings themselves, so the result does not depend on the input order. Throws for invalid versions.
 */
export function sortVersionsDescending(versions: readonly string[]): string[] {
  for (const v of versions) validateVersion(v);
  return [...versions].sort((a, b) => {
    const byPrecedence = compareVersions(b, a);
    if (byPrecedence !== 0) return byPrecedence;
    const byBuild = compareIdentifiers(parts(b).build, parts(a).build);
    if (byBuild !== 0) return byBuild;
    return a < b ? 1 : a > b ? -1 : 0;
  });
}

interface VersionParts {
  readonly core: readonly [bigint, bigint, bigint];
  readonly prerelease: readonly string[];
  readonly build: readonly string[];
}

function parts(version: string): VersionParts {
  const m = typeof version === 'string' ? versionPattern.exec(version) : null;
  if (m === null) throw new InvalidVersionError(String(version));
  return {
    core: [BigInt(m[1] ?? 0), BigInt(m[2] ?? 0), BigInt(m[3] ?? 0)],
    prerelease: m[4] === undefined ? [] : m[4].split('.'),
    build: m[5] === undefined ? [] : m[5].split('.'),
  };
}

/**
 * The `semver` package's view of a relaxed version, or `undefined` where the package cannot hold it
 * (numbers above 2^53 - 1, strings over 256 characters); those are ordered by `comparePrecedence`.
 */
function toSemver(version: string): semver.SemVer | undefined {
  const p = parts(version);
  const pre = p.prerelease.length > 0 ? `-${p.prerelease.join('.')}` : '';
  const build = p.build.length > 0 ? `+${p.build.join('.')}` : '';
  try {
    return new semver.SemVer(`${p.core.join('.')}${pre}${build}`);
  } catch {
    return undefined;
  }
}

/** SemVer 2 section 11 precedence, on numbers of any size. */
function comparePrecedence(a: VersionParts, b: VersionParts): number {
  for (let i = 0; i < 3; i++) {
    const x = a.core[i] as bigint;
    const y = b.core[i] as bigint;
    if (x !== y) return x < y ? -1 : 1;
  }
  // A version with a pre-release has lower precedence than the same version without one.
  const aPre = a.prerelease.length > 0;
  const bPre = b.prerelease.length > 0;
  if (!aPre || !bPre) return aPre === bPre ? 0 : aPre ? -1 : 1;
  return compareIdentifiers(a.prerelease, b.prerelease);
}

/** Dot-separated identifiers: numeric ones numerically and below alphanumeric ones; a longer list wins ties. */
function compareIdentifiers(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) return BigInt(x) < BigInt(y) ? -1 : 1;
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

/** Internal (not re-exported by `index.ts`): precedence without the `semver` package, so tests can check both agree. */
export const comparePrecedenceForTest = (a: string, b: string): number =>
  comparePrecedence(parts(a), parts(b));
