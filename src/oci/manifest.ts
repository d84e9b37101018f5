import {
  type Descriptor,
  isPlainObject,
  isValidMediaType,
  validateAnnotations,
  validateDescriptor,
} from './descriptor.js';
import { InvalidManifestError, TooLargeError } from './errors.js';
import { isImageManifestType, isIndexType } from './mediatype.js';

/** Registries must accept manifests up to 4 MiB; we refuse to hold anything larger in memory. */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;

/**
 * Annotation of the throw-away manifest that removes a tag on a registry that refuses tag deletion
 * (put under the tag, then deleted by digest). A tag still on one is a removal cut off halfway.
 */
export const TAG_REMOVAL_ANNOTATION = 'software.ocm.tag-removal';

/** Whether a manifest is such a throw-away removal manifest. */
export function isTagRemoval(m: Manifest): boolean {
  return !isImageIndex(m) && m.annotations?.[TAG_REMOVAL_ANNOTATION] !== undefined;
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type Manifest = ImageManifest | ImageIndex;

export function isImageIndex(m: Manifest): m is ImageIndex {
  return 'manifests' in m;
}

/**
 * Decodes and validates manifest or index bytes. `mediaType` is what the store said the content
 * is (descriptor or Content-Type); when the document also names one, the two must agree.
 */
export function parseManifest(bytes: Uint8Array, mediaType: string): Manifest {
  if (bytes.byteLength > MAX_MANIFEST_SIZE) throw new TooLargeError('manifest', MAX_MANIFEST_SIZE);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new InvalidManifestError(`manifest is not valid UTF-8 JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  return validateManifest(value, mediaType);
}

export function validateManifest(value: unknown, mediaType: string): Manifest {
  if (!isPlainObject(value)) throw new InvalidManifestError('manifest: not a JSON object');
  if (value.schemaVersion !== 2) throw new InvalidManifestError('manifest.schemaVersion: must be 2');
  if (value.mediaType !== undefined && value.mediaType !== mediaType) {
    throw new InvalidManifestError(
      `manifest.mediaType ${JSON.stringify(value.mediaType)} disagrees with ${JSON.stringify(mediaType)}`,
    );
  }
  if (value.artifactType !== undefined && !isValidMediaType(value.artifactType)) {
    throw new InvalidManifestError('manifest.artifactType: invalid media type');
  }
  if (value.annotations !== undefined) validateAnnotations(value.annotations, 'manifest.annotations');
  if (value.subject !== undefined) validateDescriptor(value.subject, 'manifest.subject');
  if (isImageManifestType(mediaType)) {
    validateDescriptor(value.config, 'manifest.config');
    if (!Array.isArray(value.layers)) throw new InvalidManifestError('manifest.layers: must be a list');
    value.layers.forEach((layer, i) => {
      validateDescriptor(layer, `manifest.layers[${i}]`);
    });
    return value as unknown as ImageManifest;
  }
  if (isIndexType(mediaType)) {
    if (!Array.isArray(value.manifests)) throw new InvalidManifestError('index.manifests: must be a list');
    value.manifests.forEach((m, i) => {
      validateDescriptor(m, `index.manifests[${i}]`);
    });
    return value as unknown as ImageIndex;
  }
  throw new InvalidManifestError(`${JSON.stringify(mediaType)} is not a manifest media type`);
}

/** Every descriptor a manifest or index refers to, in document order (config first). */
export function referencedDescriptors(m: Manifest): Descriptor[] {
  return isImageIndex(m) ? [...m.manifests] : [m.config, ...m.layers];
}

/** Canonical bytes for a manifest we write: compact JSON, keys in the order given. */
export function encodeManifest(m: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(m));
}
