import { parseDigest } from './digest.js';
import { InvalidManifestError } from './errors.js';

/**
 * An OCI content descriptor: what a manifest, index, tag or CTF entry says about a piece of content.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md
 */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly artifactType?: string;
  readonly urls?: readonly string[];
  readonly platform?: Platform;
  /** Base64 of the content, for small embedded blobs. */
  readonly data?: string;
}

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
  readonly variant?: string;
}

/** Media type per RFC 6838 with the `+suffix` forms the OCI types use. */
const mediaTypePattern = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isValidMediaType(value: unknown): value is string {
  return typeof value === 'string' && mediaTypePattern.test(value);
}

/** Validates an untrusted value as a descriptor; `path` names it in the error. */
export function validateDescriptor(value: unknown, path = 'descriptor'): Descriptor {
  if (!isPlainObject(value)) throw new InvalidManifestError(`${path}: not an object`);
  const { mediaType, digest, size, annotations, artifactType, urls, data } = value;
  if (!isValidMediaType(mediaType)) throw new InvalidManifestError(`${path}.mediaType: invalid media type`);
  if (typeof digest !== 'string') throw new InvalidManifestError(`${path}.digest: missing`);
  try {
    parseDigest(digest);
  } catch (cause) {
    throw new InvalidManifestError(`${path}.digest: ${(cause as Error).message}`, { cause });
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new InvalidManifestError(`${path}.size: must be a non-negative integer`);
  }
  if (annotations !== undefined) validateAnnotations(annotations, `${path}.annotations`);
  if (artifactType !== undefined && !isValidMediaType(artifactType)) {
    throw new InvalidManifestError(`${path}.artifactType: invalid media type`);
  }
  if (urls !== undefined && !(Array.isArray(urls) && urls.every((u) => typeof u === 'string'))) {
    throw new InvalidManifestError(`${path}.urls: must be a list of strings`);
  }
  if (data !== undefined && typeof data !== 'string')
    throw new InvalidManifestError(`${path}.data: must be base64`);
  return value as unknown as Descriptor;
}

export function validateAnnotations(value: unknown, path: string): Readonly<Record<string, string>> {
  if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new InvalidManifestError(`${path}: must map strings to strings`);
  }
  return value as Record<string, string>;
}

/** The identity-relevant part of a descriptor: what a store needs to find and verify content. */
export function basicDescriptor(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
