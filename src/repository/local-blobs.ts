/**
 * Local blobs: content stored in the component's own repository and named by a `localBlob` access.
 * Pushing one (a plain blob, or an OCI image layout stored as a nested manifest), finding the layers a
 * descriptor names when a version is written, and reading one back verified.
 */
import type { Readable } from 'node:stream';
import {
  type DescriptorV2,
  elementIdentity,
  findResource,
  findSource,
  type Identity,
  InvalidDescriptorError,
  type LocalBlobAccess,
  localBlobAccess,
  type Resource,
  type Source,
} from '../descriptor/index.js';
import { NotFoundError, UnsupportedError } from '../errors.js';
import type { Content, OperationOptions, Store } from '../oci/content/storage.js';
import { type Descriptor, isPlainObject } from '../oci/descriptor.js';
import { digestOf, isValidDigest } from '../oci/digest.js';
import { isImageIndex } from '../oci/manifest.js';
import { isManifestType } from '../oci/mediatype.js';
import { genericBlobDigestOf, ociArtifactDigest } from '../signing/digest-spec.js';
import { type RepositoryContext, storeOf } from './context.js';
import { ElementNotFoundError, InvalidComponentVersionError } from './errors.js';
import type { LocalBlobLayer } from './mapping.js';
import { isOciLayoutMediaType, layoutTarStream, pushOciLayout } from './oci-layout.js';
import { type ResolvedComponentVersion, readVersion, resolveName } from './resolve.js';

export interface LocalBlobInput {
  readonly content: Content;
  readonly mediaType: string;
  /** Required when `content` is a stream; computed for buffers. */
  readonly digest?: string;
  readonly size?: number;
}

export interface LocalBlob {
  /** The element as stored in the descriptor. */
  readonly element: Resource | Source;
  /** The layer, or for an OCI artifact the nested manifest, that holds the content. */
  readonly descriptor: Descriptor;
  /**
   * True for an OCI artifact stored as a nested manifest: `content` is then an OCI image layout tar
   * built from the stored graph (each blob verified as read), not the bytes of `descriptor`.
   */
  readonly layout?: boolean;
  /** Verified while read: it errors instead of ending if the bytes are not the digest's. */
  readonly content: Readable;
  readonly resolution: ResolvedComponentVersion;
}

export type ElementKind = 'resource' | 'source';

/**
 * The layers (and, for OCI artifacts, nested manifests) the local blobs of `descriptor` need, each
 * checked to be present in `store`. A blob must be known by its descriptor: pushed through this
 * repository object, part of the version being replaced, or passed in `options.blobs`.
 */
export async function localBlobLayers(
  ctx: RepositoryContext,
  store: Store,
  descriptor: DescriptorV2,
  options: OperationOptions,
): Promise<{ layers: LocalBlobLayer[]; nested: Descriptor[] }> {
  const layers = new Map<string, { descriptor: Descriptor; owners: LocalBlobLayer['owners'][number][] }>();
  const nested = new Map<string, Descriptor>();
  const visit = async (elements: readonly (Resource | Source)[] | null, kind: ElementKind) => {
    for (const [index, element] of (elements ?? []).entries()) {
      const access = localBlobAccessAt(element, `component.${kind}s[${index}]`);
      if (!access) continue;
      if (!isValidDigest(access.localReference)) {
        throw new UnsupportedError(
          `${kind} ${element.name}: localReference ${JSON.stringify(access.localReference)} is not a digest`,
        );
      }
      if (nested.has(access.localReference)) continue;
      let entry = layers.get(access.localReference);
      if (!entry) {
        const known = ctx.pendingBlobs.get(access.localReference);
        if (!known) {
          throw new NotFoundError(
            `${kind} ${element.name}: local blob ${access.localReference} is unknown here`,
            {
              hint: 'store its content with addLocalResource/addLocalSource first, or pass its descriptor in options.blobs',
            },
          );
        }
        if (!(await store.exists(known, options)))
          throw new NotFoundError(`${kind} ${element.name}: local blob ${access.localReference} is missing`);
        const mediaType = access.mediaType ?? known.mediaType;
        if (isManifestType(mediaType)) {
          // An OCI artifact: a nested manifest of the version's index, not a layer.
          nested.set(access.localReference, { mediaType, digest: known.digest, size: known.size });
          continue;
        }
        entry = { descriptor: { mediaType, digest: known.digest, size: known.size }, owners: [] };
        layers.set(access.localReference, entry);
      }
      entry.owners.push({
        kind,
        identity: sortedIdentity(elementIdentity(element, elements ?? undefined)),
      });
    }
  };
  await visit(descriptor.component.resources, 'resource');
  await visit(descriptor.component.sources, 'source');
  return { layers: [...layers.values()], nested: [...nested.values()] };
}

/**
 * Pushes the content of a local resource or source and returns the element with its `localBlob`
 * access (and a digest spec for a resource that had none). An OCI image layout tar is stored as its
 * graph and addressed by its root manifest.
 */
export async function addLocalBlob<E extends Resource | Source>(
  ctx: RepositoryContext,
  component: string,
  element: E,
  blob: LocalBlobInput,
  options: OperationOptions,
): Promise<E> {
  if (!isPlainObject(element)) {
    throw new InvalidComponentVersionError(
      `the resource or source given for a local blob must be a mapping, not ${element === null ? 'null' : typeof element}`,
    );
  }
  const store = storeOf(ctx, component);
  if (isOciLayoutMediaType(blob.mediaType)) {
    const root = await pushOciLayout(store, blob.content, options);
    ctx.pendingBlobs.set(root.digest, root);
    // The OCI artifact is addressed by its root manifest; an input's `referenceName` survives.
    const given: unknown = (element as { access?: unknown }).access;
    const referenceName =
      isPlainObject(given) && typeof given.referenceName === 'string' ? given.referenceName : undefined;
    return localBlobElement(element, {
      digest: root.digest,
      mediaType: root.mediaType,
      ...(referenceName === undefined ? {} : { referenceName }),
    });
  }
  let digest = blob.digest;
  let size = blob.size;
  if (blob.content instanceof Uint8Array) {
    digest ??= digestOf(blob.content);
    size ??= blob.content.byteLength;
  } else if (digest === undefined || size === undefined) {
    throw new UnsupportedError('a streamed local blob needs its digest and size');
  }
  const descriptor: Descriptor = { mediaType: blob.mediaType, digest: digest!, size: size! };
  await store.push(descriptor, blob.content, options);
  ctx.pendingBlobs.set(descriptor.digest, descriptor);
  return localBlobElement(element, descriptor);
}

/** Where a local blob is stored: the blob, or for an OCI artifact its root manifest (or index). */
export interface StoredLocalBlob {
  readonly digest: string;
  readonly mediaType: string;
  /** For an OCI artifact: the image name it came from, kept in the access. */
  readonly referenceName?: string;
}

/**
 * `element` with a `localBlob` access naming `stored` and, for a resource without a digest, the
 * digest spec of that content: `ociArtifactDigest/v1` (the manifest digest) when `stored` is an OCI
 * manifest or index, `genericBlobDigest/v1` (the blob digest) otherwise; the hash algorithm label
 * comes from the digest's algorithm (`sha512:` is `SHA-512`). A digest the element has is kept.
 * The one place that turns a stored blob into an element: used when adding local blobs, by transfer
 * (images copied in as local blobs) and by the constructor.
 */
export function localBlobElement<E extends Resource | Source>(element: E, stored: StoredLocalBlob): E {
  const withAccess = {
    ...element,
    access: {
      type: 'localBlob',
      localReference: stored.digest,
      mediaType: stored.mediaType,
      ...(stored.referenceName === undefined ? {} : { referenceName: stored.referenceName }),
    },
  } as E;
  if ('relation' in element && (element as Resource).digest == null) {
    (withAccess as Resource).digest = isManifestType(stored.mediaType)
      ? ociArtifactDigest(stored.digest)
      : genericBlobDigestOf(stored.digest);
  }
  return withAccess;
}

/** The content of a local resource or source of a version or alias, streamed and verified. */
export async function getLocalBlob(
  ctx: RepositoryContext,
  component: string,
  versionOrAlias: string,
  which: { readonly kind: ElementKind; readonly identity: Identity },
  options: OperationOptions,
): Promise<LocalBlob> {
  const { kind, identity } = which;
  checkIdentity(identity);
  const store = storeOf(ctx, component);
  const { resolution: res, loaded } = await resolveName(ctx, store, component, versionOrAlias, options);
  const { descriptor, manifest } = await readVersion(store, loaded, res, options);
  const element = kind === 'resource' ? findResource(descriptor, identity) : findSource(descriptor, identity);
  const list: readonly (Resource | Source)[] =
    (kind === 'resource' ? descriptor.component.resources : descriptor.component.sources) ?? [];
  if (!element)
    throw new ElementNotFoundError(
      `${component}:${res.version}`,
      kind,
      identity,
      list.map((e) => e.name),
    );
  const access = localBlobAccessAt(element, `component.${kind}s[${list.indexOf(element)}]`);
  if (!access)
    throw new UnsupportedError(`${kind} ${element.name} has access ${element.access.type}, not a local blob`);
  const nested = isImageIndex(loaded.manifest)
    ? loaded.manifest.manifests.find((m) => m.digest === access.localReference)
    : undefined;
  if (nested) {
    // An OCI artifact stored as a nested manifest comes back as an OCI layout tar.
    return {
      element,
      descriptor: nested,
      layout: true,
      content: layoutTarStream(store, nested, element.version, options),
      resolution: res,
    };
  }
  const layer = manifest.layers.find((l) => l.digest === access.localReference);
  if (!layer) {
    throw new InvalidComponentVersionError(
      `${component}:${res.version}: local blob ${access.localReference} is not part of the stored version`,
    );
  }
  return { element, descriptor: layer, content: await store.fetch(layer, options), resolution: res };
}

function sortedIdentity(identity: Identity): Record<string, string> {
  return Object.fromEntries(Object.entries(identity).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The local blob access of `element`, undefined for another access type. A malformed access (not a
 * mapping, a local blob without a digest string) is an `InvalidComponentVersionError` naming where it
 * is (`path`, e.g. `component.resources[2]`), never a `TypeError`.
 */
export function localBlobAccessAt(element: Resource | Source, path: string): LocalBlobAccess | undefined {
  const access: unknown = (element as { access?: unknown }).access;
  if (!isPlainObject(access) || typeof access.type !== 'string') {
    throw new InvalidComponentVersionError(`${path}.access: must be a mapping with a type`);
  }
  try {
    return localBlobAccess(element.access);
  } catch (cause) {
    if (!(cause instanceof InvalidDescriptorError)) throw cause;
    const issues = cause.issues.map((i) => `${path}.${i.path}: ${i.message}`).join('; ');
    throw new InvalidComponentVersionError(issues, { cause });
  }
}

/** An identity is a mapping of strings (`{name: ..., version: ...}`); anything else is refused, typed. */
function checkIdentity(identity: unknown): asserts identity is Identity {
  if (!isPlainObject(identity) || Object.values(identity).some((v) => typeof v !== 'string')) {
    throw new InvalidComponentVersionError('identity: must be a mapping of strings, e.g. {name: "config"}');
  }
}
