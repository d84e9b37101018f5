/**
 * Writing a component version: local blobs must be present already, then the descriptor layer and
 * config, then the manifest (or index), then the version tag. Nothing names the version until
 * everything it needs is stored.
 */
import { type DescriptorV2, validateDescriptor, versionToTag } from '../descriptor/index.js';
import { fetchAll } from '../oci/content/read.js';
import type { OperationOptions } from '../oci/content/storage.js';
import { type Descriptor, validateDescriptor as validateOciDescriptor } from '../oci/descriptor.js';
import { isImageIndex, parseManifest } from '../oci/manifest.js';
import { retagReplacedVersion } from './alias-ops.js';
import { anchorManifests } from './anchors.js';
import { atomically, type RepositoryContext, repositoryOf } from './context.js';
import { ComponentVersionChangedError, InvalidComponentVersionError, VersionExistsError } from './errors.js';
import type { JournalOptions } from './journal.js';
import { localBlobLayers } from './local-blobs.js';
import {
  type DescriptorEncoding,
  descriptorManifestOf,
  encodeComponentConfig,
  encodeComponentIndex,
  encodeComponentManifest,
  encodeDescriptorLayer,
  expectComponentVersion,
} from './mapping.js';
import { loadManifest } from './resolve.js';

export type ConflictPolicy = 'abort' | 'replace' | 'skip';

export interface AddComponentVersionOptions extends OperationOptions, JournalOptions {
  /** What the history records the alias moves of `moveAliases` as: `replace` (default) or `sign`. */
  readonly aliasOperation?: 'replace' | 'sign';
  /** What to do when the version exists: fail (default), overwrite it, or keep the stored one. */
  readonly conflict?: ConflictPolicy;
  /** On replace, move the aliases that pointed at the old content to the new one. Default false. */
  readonly moveAliases?: boolean;
  /**
   * Write only if the version's tag still names this digest (or, with `absent`, nothing): a
   * compare-and-swap, exact under the CTF lock, checked just before writing on a registry.
   * Otherwise `ComponentVersionChangedError` and nothing is written.
   */
  readonly expect?: string;
  /**
   * Descriptors (size, media type) of local blobs pushed earlier, by digest. Blobs added through this
   * object's `addLocalResource`/`addLocalSource`, and blobs of the version being replaced, are known
   * already.
   */
  readonly blobs?: readonly Descriptor[];
}

export interface AddComponentVersionResult {
  readonly component: string;
  readonly version: string;
  readonly digest: string;
  /** `added`, `replaced` (another digest was stored), `unchanged` (same digest), `skipped` (policy skip). */
  readonly status: 'added' | 'replaced' | 'unchanged' | 'skipped';
  /** On replace: the digest the version had before. */
  readonly previousDigest?: string;
  /** On replace: aliases that pointed at the previous digest, and whether they were moved. */
  readonly aliases?: readonly { readonly alias: string; readonly moved: boolean }[];
}

/** How versions are encoded; fixed per repository object. */
export interface WriteSettings {
  readonly creator: string;
  readonly encoding: DescriptorEncoding;
}

export async function addComponentVersion(
  ctx: RepositoryContext,
  settings: WriteSettings,
  input: DescriptorV2,
  options: AddComponentVersionOptions,
): Promise<AddComponentVersionResult> {
  const descriptor = validateDescriptor(input);
  const component = descriptor.component.name;
  const version = descriptor.component.version;
  const tag = versionToTag(version);
  const repositoryName = repositoryOf(ctx, component);
  for (const [i, d] of (options.blobs ?? []).entries()) {
    // Checked like any OCI descriptor: a malformed one is InvalidManifestError naming options.blobs[i].
    const known = validateOciDescriptor(d, `options.blobs[${i}]`);
    ctx.pendingBlobs.set(known.digest, known);
  }
  ctx.journal?.check?.(options);

  return atomically(
    ctx,
    async (provider) => {
      const store = provider.repository(repositoryName);
      const existing = await loadManifest(store, tag, options);
      if (options.expect !== undefined && (existing?.descriptor.digest ?? 'absent') !== options.expect) {
        throw new ComponentVersionChangedError(
          `${component}:${version} is ${existing ? existing.descriptor.digest : 'absent'}, not the expected ${options.expect}`,
        );
      }
      if (existing) {
        const id = expectComponentVersion(existing.manifest, component, `${component}:${version}`);
        if (id.version !== undefined && id.version !== version) {
          throw new InvalidComponentVersionError(`tag ${tag} of ${component} stores version ${id.version}`);
        }
        if (options.conflict === 'skip')
          return { component, version, digest: existing.descriptor.digest, status: 'skipped' };
        if (options.conflict !== 'replace') throw new VersionExistsError(component, version);
        // Blobs of the version being replaced may be named again without being pushed again.
        const known = isImageIndex(existing.manifest)
          ? [...existing.manifest.manifests]
          : [...existing.manifest.layers];
        const inner = descriptorManifestOf(existing.manifest);
        if (inner) {
          const m = parseManifest(await fetchAll(store, inner, options), inner.mediaType);
          if (!isImageIndex(m)) known.push(...m.layers);
        }
        for (const d of known) if (!ctx.pendingBlobs.has(d.digest)) ctx.pendingBlobs.set(d.digest, d);
      }

      const { layers, nested } = await localBlobLayers(ctx, store, descriptor, options);
      const descriptorLayer = encodeDescriptorLayer(descriptor, settings.encoding);
      const config = encodeComponentConfig(descriptorLayer.descriptor);
      const inner = encodeComponentManifest(
        component,
        version,
        config.descriptor,
        descriptorLayer.descriptor,
        layers,
        settings.creator,
      );
      // Index form only when a local blob is itself an OCI artifact (docs/formats.md, index form).
      const manifest =
        nested.length > 0
          ? encodeComponentIndex(component, version, inner.descriptor, nested, settings.creator)
          : inner;
      if (existing?.descriptor.digest === manifest.descriptor.digest) {
        return { component, version, digest: manifest.descriptor.digest, status: 'unchanged' };
      }
      await store.push(descriptorLayer.descriptor, descriptorLayer.bytes, options);
      await store.push(config.descriptor, config.bytes, options);
      if (manifest !== inner) await store.push(inner.descriptor, inner.bytes, options);
      await store.push(manifest.descriptor, manifest.bytes, options);
      // Tags on what the index lists, so registry garbage collection keeps it (anchors.ts).
      if (manifest !== inner) await anchorManifests(store, [inner.descriptor, ...nested], options);

      if (!existing) {
        await store.tag(manifest.descriptor, tag, options);
        return { component, version, digest: manifest.descriptor.digest, status: 'added' };
      }
      const aliases = await retagReplacedVersion(
        ctx,
        store,
        {
          component,
          tag,
          manifest: manifest.descriptor,
          previousDigest: existing.descriptor.digest,
          moveAliases: options.moveAliases === true,
          version,
          ...(options.aliasOperation === undefined ? {} : { operation: options.aliasOperation }),
        },
        options,
      );
      return {
        component,
        version,
        digest: manifest.descriptor.digest,
        status: 'replaced',
        previousDigest: existing.descriptor.digest,
        aliases,
      };
    },
    options,
  );
}
