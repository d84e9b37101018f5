import { InvalidDescriptorError } from './errors.js';
import type { AccessSpec } from './types.js';

/**
 * Access specification types (docs/formats.md, access types). A type string is `Name[/version]`;
 * a missing version means `v1`. The spec renamed the types to UpperCamelCase; the old spellings stay
 * valid and are what ocm1 writes (`localBlob`, `ociArtifact`), so matching goes through
 * `normaliseAccessType`.
 */
export const AccessType = {
  LocalBlob: 'LocalBlob/v1',
  OCIImage: 'OCIImage/v1',
  OCIImageLayer: 'OCIImageLayer/v1',
  Helm: 'Helm/v1',
  GitHub: 'GitHub/v1',
  S3: 'S3/v1',
  NPM: 'NPM/v1',
  Wget: 'Wget/v1',
  /** A resource without content; it has no version. */
  None: 'none',
  /** ocm1 component archives (legacy): `fileName`, `mediaType`. */
  LocalFilesystemBlob: 'localFilesystemBlob/v1',
} as const;
export type KnownAccessType = (typeof AccessType)[keyof typeof AccessType];

/**
 * Every accepted spelling of a type name (without version) -> its canonical name. `OCIArtifact` is
 * the spec's name in oci.md 11.1; ocm2 does not register it, we accept it anyway.
 */
const canonicalNames: Record<string, string> = {
  LocalBlob: 'LocalBlob',
  localBlob: 'LocalBlob',
  OCIImage: 'OCIImage',
  ociImage: 'OCIImage',
  ociArtifact: 'OCIImage',
  OCIArtifact: 'OCIImage',
  ociRegistry: 'OCIImage',
  OCIImageLayer: 'OCIImageLayer',
  ociBlob: 'OCIImageLayer',
  Helm: 'Helm',
  helm: 'Helm',
  GitHub: 'GitHub',
  gitHub: 'GitHub',
  github: 'GitHub',
  S3: 'S3',
  s3: 'S3',
  NPM: 'NPM',
  npm: 'NPM',
  Wget: 'Wget',
  wget: 'Wget',
  localFilesystemBlob: 'localFilesystemBlob',
};

/** Every spelling `normaliseAccessType` maps to each canonical type, for documentation and tests. */
export const ACCESS_TYPE_ALIASES: Readonly<Record<KnownAccessType, readonly string[]>> = (() => {
  const out: Record<string, string[]> = {
    [AccessType.None]: ['none', 'None', 'none/v1', 'None/v1'],
  };
  for (const [alias, name] of Object.entries(canonicalNames)) {
    const canonical = `${name}/v1`;
    out[canonical] = [...(out[canonical] ?? []), alias, `${alias}/v1`];
  }
  return out as Record<KnownAccessType, string[]>;
})();

/**
 * The canonical spelling of an access type: `localBlob` -> `LocalBlob/v1`, `ociArtifact/v1` ->
 * `OCIImage/v1`, `None` -> `none`. Unknown names are kept as written, with `/v1` added when no version
 * is given, so two spellings of one type always normalise to the same string.
 */
export function normaliseAccessType(type: string): string {
  const slash = type.indexOf('/');
  const name = slash < 0 ? type : type.slice(0, slash);
  const version = slash < 0 ? 'v1' : type.slice(slash + 1);
  if ((name === 'none' || name === 'None') && version === 'v1') return AccessType.None;
  return `${Object.hasOwn(canonicalNames, name) ? canonicalNames[name] : name}/${version}`;
}

/** Whether an access specification (or a type string) is of the given canonical type. */
export function isAccessType(access: AccessSpec | string, type: KnownAccessType): boolean {
  const raw = typeof access === 'string' ? access : access.type;
  return typeof raw === 'string' && normaliseAccessType(raw) === type;
}

/**
 * A local blob: content stored next to the descriptor. `localReference` is backend specific: an OCI
 * digest in registries and CTFs (ocm1 may write several, comma-separated, for a blob split into
 * parts), a file name in component archives.
 */
export interface LocalBlobAccess {
  readonly type: string;
  readonly localReference: string;
  /** Required by the ocm2 schema; ocm1 omits it when empty. */
  readonly mediaType: string | undefined;
  /** The OCI repository (and tag) the artifact came from, e.g. `jakobmoellerdev/podinfo/podinfo:6.7.1`. */
  readonly referenceName: string | undefined;
  /** A second access specification usable without OCM. */
  readonly globalAccess: AccessSpec | undefined;
}

export interface OciImageAccess {
  readonly type: string;
  /** `host[:port]/repository[:tag][@digest]`. */
  readonly imageReference: string;
}

/**
 * The typed view of a `LocalBlob` access, `undefined` when `access` is of another type. Throws
 * `InvalidDescriptorError` (paths relative to the access) when it is a local blob with malformed fields.
 */
export function localBlobAccess(access: AccessSpec): LocalBlobAccess | undefined {
  if (!isAccessType(access, AccessType.LocalBlob)) return undefined;
  const localReference = requireString(access, 'localReference', true) as string;
  const globalAccess = access.globalAccess;
  if (globalAccess !== undefined && globalAccess !== null && !isTypedObject(globalAccess)) {
    throw new InvalidDescriptorError([
      { path: 'access.globalAccess', message: 'must be a mapping with a type' },
    ]);
  }
  return {
    type: access.type,
    localReference,
    mediaType: requireString(access, 'mediaType', false),
    referenceName: requireString(access, 'referenceName', false),
    globalAccess: isTypedObject(globalAccess) ? globalAccess : undefined,
  };
}

/** The digests a local blob's `localReference` names (one, or several for a blob ocm1 split into parts). */
export function localBlobParts(access: LocalBlobAccess): string[] {
  return access.localReference.split(',').map((part) => part.trim());
}

/** The typed view of an `OCIImage` access (any alias), `undefined` when `access` is of another type. */
export function ociImageAccess(access: AccessSpec): OciImageAccess | undefined {
  if (!isAccessType(access, AccessType.OCIImage)) return undefined;
  return { type: access.type, imageReference: requireString(access, 'imageReference', true) as string };
}

function requireString(access: AccessSpec, key: string, required: boolean): string | undefined {
  const value = access[key];
  if (value === undefined || value === null) {
    if (!required) return undefined;
  } else if (typeof value === 'string' && value !== '') {
    return value;
  }
  throw new InvalidDescriptorError([{ path: `access.${key}`, message: 'must be a non-empty string' }]);
}

function isTypedObject(value: unknown): value is AccessSpec {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as Record<string, unknown>).type === 'string'
  );
}
