/**
 * Resolution and reading (docs/aliases.md, Resolution): a name is a version tag, a stored alias, or
 * a computed `latest`/`stable`; the manifest is read by tag or digest and verified, the descriptor is
 * read from its layer. Versions are read from tag names only.
 */
import {
  type DescriptorV2,
  isPrerelease,
  isValidVersion,
  sortVersionsDescending,
  validateComponentName,
  versionFromTag,
  versionToTag,
} from '../descriptor/index.js';
import { NotFoundError } from '../errors.js';
import { mapLimit } from '../oci/concurrency.js';
import { fetchAll, fetchManifest } from '../oci/content/read.js';
import type { OperationOptions, Store } from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf, isValidDigest, parseDigest } from '../oci/digest.js';
import { type ImageManifest, isImageIndex, type Manifest, parseManifest } from '../oci/manifest.js';
import { isValidTag } from '../oci/reference.js';
import { isComputedAlias } from './aliases.js';
import type { RepositoryContext } from './context.js';
import { ComponentVersionNotFoundError, InvalidAliasError, InvalidComponentVersionError } from './errors.js';
import {
  decodeDescriptorLayer,
  descriptorLayerFromConfig,
  descriptorLayerOf,
  descriptorManifestOf,
  expectComponentVersion,
  MAX_DESCRIPTOR_SIZE,
} from './mapping.js';

/** How a name was resolved (docs/aliases.md, Resolution): a version, a stored alias, or computed. */
export type ResolutionKind = 'version' | 'alias' | 'computed';

export interface ResolvedComponentVersion {
  readonly component: string;
  /** The name asked for: a version or an alias. */
  readonly requested: string;
  /** The real version it names. */
  readonly version: string;
  /** Digest of the manifest (or index) that stores the version. */
  readonly digest: string;
  readonly kind: ResolutionKind;
  /** The OCI descriptor of that manifest. */
  readonly manifest: Descriptor;
}

export interface ListVersionsOptions extends OperationOptions {
  /** Fetch every version's manifest and keep only those that are what their tag says. Default false. */
  readonly verify?: boolean;
  /** Called for each tag that `verify` drops, with the reason. */
  readonly onSkip?: (tag: string, error: Error) => void;
}

/** A manifest read by tag or digest, kept with its bytes so later steps need not fetch it again. */
export interface Loaded {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
  readonly manifest: Manifest;
}

export interface Resolved {
  readonly resolution: ResolvedComponentVersion;
  readonly loaded: Loaded;
}

/** Every tag of the store, all pages; a repository that does not exist has none. */
export async function listTags(store: Store, options: OperationOptions): Promise<string[]> {
  const tags: string[] = [];
  try {
    for await (const page of store.tags(options)) tags.push(...page);
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
  return tags;
}

/**
 * The versions named by `tags`, newest first. With `verify`, each version's manifest is fetched and
 * kept only if it is what its tag says (one request per version, `ctx.concurrency` at a time).
 */
export async function versionsFromTags(
  ctx: RepositoryContext,
  store: Store,
  component: string,
  tags: readonly string[],
  options: ListVersionsOptions,
): Promise<string[]> {
  const versions = new Map<string, string>();
  for (const tag of tags) {
    const version = versionFromTag(tag);
    if (version !== undefined) versions.set(version, tag);
  }
  let list = [...versions.keys()];
  if (options.verify) {
    const checked = await mapLimit(list, ctx.concurrency, async (version) => {
      try {
        const loaded = await loadManifest(store, versions.get(version)!, options);
        if (!loaded) throw new NotFoundError(`${component}:${version}: tag vanished`);
        const id = expectComponentVersion(loaded.manifest, component, `${component}:${version}`);
        if (id.version !== undefined && id.version !== version) {
          throw new InvalidComponentVersionError(
            `tag of ${component}:${version} stores version ${id.version}`,
          );
        }
        return version;
      } catch (err) {
        options.onSkip?.(versions.get(version)!, err as Error);
        return undefined;
      }
    });
    list = checked.filter((v): v is string => v !== undefined);
  }
  return sortVersionsDescending(list);
}

/** Resolves a version or alias to its manifest, in the order of docs/aliases.md (Resolution). */
export async function resolveName(
  ctx: RepositoryContext,
  store: Store,
  component: string,
  name: string,
  options: OperationOptions,
): Promise<Resolved> {
  validateComponentName(component);
  if (isValidVersion(name)) {
    const loaded = await loadManifest(store, versionToTag(name), options);
    if (!loaded)
      throw new ComponentVersionNotFoundError(
        component,
        name,
        `component version ${component}:${name} not found`,
      );
    const id = expectComponentVersion(loaded.manifest, component, `${component}:${name}`);
    if (id.version !== undefined && id.version !== name) {
      // The tag of one version names another: written by a tool that derives tags lossily.
      throw new InvalidComponentVersionError(`the tag of ${component}:${name} stores version ${id.version}`);
    }
    return { resolution: resolution(component, name, name, 'version', loaded.descriptor), loaded };
  }
  if (isValidDigest(name)) {
    // A manifest digest names one exact content of a version (what the history records; rollback).
    const loaded = await loadManifest(store, name, options);
    if (!loaded) throw new NotFoundError(`${component}: no manifest ${name}`);
    const id = expectComponentVersion(loaded.manifest, component, `${component}@${name}`);
    if (id.version === undefined)
      throw new InvalidComponentVersionError(`${component}@${name} carries no version annotation`);
    return { resolution: resolution(component, name, id.version, 'version', loaded.descriptor), loaded };
  }
  // Reserved tags (`_ocm.history`, `_ocm.stages`, ...) hold repository data, never a version.
  if (/^_ocm/.test(name))
    throw new ComponentVersionNotFoundError(component, name, `${component}: no version or alias ${name}`);
  if (!isValidTag(name)) {
    throw new InvalidAliasError(name, 'it is neither a version nor a valid tag');
  }
  const loaded = await loadManifest(store, name, options);
  if (loaded) {
    const id = expectComponentVersion(loaded.manifest, component, `${component}:${name}`);
    if (id.version === undefined) {
      throw new InvalidComponentVersionError(
        `${component}:${name} names a legacy component version without a version annotation; use its version`,
      );
    }
    return { resolution: resolution(component, name, id.version, 'alias', loaded.descriptor), loaded };
  }
  if (isComputedAlias(name)) {
    const versions = await versionsFromTags(ctx, store, component, await listTags(store, options), options);
    const pick = name === 'latest' ? versions[0] : versions.find((v) => !isPrerelease(v));
    if (pick === undefined) {
      throw new ComponentVersionNotFoundError(
        component,
        name,
        `${component}: no alias ${name} is stored and no ${name === 'stable' ? 'release ' : ''}version exists to compute it from`,
      );
    }
    const computed = await loadManifest(store, versionToTag(pick), options);
    if (!computed)
      throw new NotFoundError(`component version ${component}:${pick} vanished while resolving ${name}`);
    expectComponentVersion(computed.manifest, component, `${component}:${pick}`);
    return {
      resolution: resolution(component, name, pick, 'computed', computed.descriptor),
      loaded: computed,
    };
  }
  throw new ComponentVersionNotFoundError(component, name, `${component}: no version or alias ${name}`);
}

/**
 * Fetches a manifest by tag or digest and checks its bytes against the digest: one request where the
 * store can (`fetchReference`). Undefined when absent.
 */
export async function loadManifest(
  store: Store,
  reference: string,
  options: OperationOptions,
): Promise<Loaded | undefined> {
  try {
    const { descriptor, bytes } = await fetchManifest(store, reference, options);
    if (isValidDigest(reference) && descriptor.digest !== reference) {
      throw new InvalidComponentVersionError(`asked for ${reference}, got ${descriptor.digest}`);
    }
    const actual = digestOf(bytes, parseDigest(descriptor.digest).algorithm);
    if (actual !== descriptor.digest) {
      throw new InvalidComponentVersionError(
        `manifest ${reference} does not match its digest ${descriptor.digest}`,
      );
    }
    return {
      descriptor: { ...descriptor, size: bytes.byteLength },
      bytes,
      manifest: parseManifest(bytes, descriptor.mediaType),
    };
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/**
 * The descriptor of a resolved version, and the manifest that holds it (the first of an index-form
 * version). The descriptor must carry the component and version resolved; otherwise
 * `InvalidComponentVersionError`.
 */
export async function readVersion(
  store: Store,
  loaded: Loaded,
  res: ResolvedComponentVersion,
  options: OperationOptions,
): Promise<{ descriptor: DescriptorV2; manifest: ImageManifest }> {
  let manifest = loaded.manifest;
  if (isImageIndex(manifest)) {
    const inner = descriptorManifestOf(manifest);
    if (!inner)
      throw new InvalidComponentVersionError(
        `${res.component}:${res.version}: the index holds no descriptor manifest`,
      );
    manifest = parseManifest(await fetchAll(store, inner, options), inner.mediaType);
    if (isImageIndex(manifest))
      throw new InvalidComponentVersionError(
        `${res.component}:${res.version}: nested index where a manifest belongs`,
      );
  }
  let layer = descriptorLayerOf(manifest);
  if (!layer) {
    layer = descriptorLayerFromConfig(
      await fetchAll(store, manifest.config, { ...options, maxSize: 64 * 1024 }),
    );
    if (!layer)
      throw new InvalidComponentVersionError(
        `${res.component}:${res.version}: no component descriptor layer`,
      );
  }
  const descriptor = await decodeDescriptorLayer(
    layer,
    await fetchAll(store, layer, { ...options, maxSize: MAX_DESCRIPTOR_SIZE }),
  );
  if (descriptor.component.name !== res.component || descriptor.component.version !== res.version) {
    throw new InvalidComponentVersionError(
      `${res.component}:${res.version} (${res.requested}) holds the descriptor of ${descriptor.component.name}:${descriptor.component.version}`,
    );
  }
  return { descriptor, manifest };
}

function resolution(
  component: string,
  requested: string,
  version: string,
  kind: ResolutionKind,
  manifest: Descriptor,
): ResolvedComponentVersion {
  return { component, requested, version, digest: manifest.digest, kind, manifest };
}
