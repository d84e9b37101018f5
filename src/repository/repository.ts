import type { Readable } from 'node:stream';
import {
  type DescriptorV2,
  elementIdentity,
  findResource,
  findSource,
  type Identity,
  isPrerelease,
  isValidVersion,
  localBlobAccess,
  type Resource,
  type Source,
  sortVersionsDescending,
  validateComponentName,
  validateDescriptor,
  versionFromTag,
  versionToTag,
} from '../descriptor/index.js';
import { NotFoundError, UnsupportedError } from '../errors.js';
import { mapLimit } from '../oci/concurrency.js';
import { canBatch, canFetchReference, canUntag } from '../oci/content/guards.js';
import { fetchAll, readAll } from '../oci/content/read.js';
import type { Content, OperationOptions, Store, StoreProvider } from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf, isValidDigest, parseDigest } from '../oci/digest.js';
import {
  type ImageManifest,
  isImageIndex,
  MAX_MANIFEST_SIZE,
  type Manifest,
  parseManifest,
} from '../oci/manifest.js';
import { isManifestType } from '../oci/mediatype.js';
import { isValidTag } from '../oci/reference.js';
import { isAliasTag, isComputedAlias, validateAlias } from './aliases.js';
import {
  AliasConflictError,
  ComponentVersionChangedError,
  InvalidAliasError,
  InvalidComponentVersionError,
  NotAnAliasError,
  VersionExistsError,
  VersionTagConflictError,
} from './errors.js';
import {
  CREATOR,
  componentRepository,
  type DescriptorEncoding,
  decodeDescriptorLayer,
  descriptorLayerFromConfig,
  descriptorLayerOf,
  descriptorManifestOf,
  encodeComponentConfig,
  encodeComponentIndex,
  encodeComponentManifest,
  encodeDescriptorLayer,
  expectComponentVersion,
  type LocalBlobLayer,
  MAX_DESCRIPTOR_SIZE,
} from './mapping.js';
import { isOciLayoutMediaType, layoutTarStream, pushOciLayout } from './oci-layout.js';

export interface OcmRepositoryOptions {
  /** Prefix of every component repository (the `subPath` of an OCI repository spec). Default none. */
  readonly prefix?: string;
  /** Written as `software.ocm.creator`. Default `ocm-ts`. */
  readonly creator?: string;
  /** How descriptors are written: `yaml+tar` (default, readable by every OCM generation) or `json`. */
  readonly descriptorEncoding?: DescriptorEncoding;
  /** Parallel requests when one call needs many (listing aliases, verifying versions). Default 8. */
  readonly concurrency?: number;
}

/** How a name was resolved (DESIGN 4.8): a version tag, a stored alias, or computed from the versions. */
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

export interface ComponentVersion {
  readonly descriptor: DescriptorV2;
  readonly resolution: ResolvedComponentVersion;
}

export type ConflictPolicy = 'abort' | 'replace' | 'skip';

export interface AddComponentVersionOptions extends OperationOptions {
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

/**
 * `expect` of an alias change (DESIGN 4.4): the version or digest the alias must point at now, or
 * `absent` when it must not exist yet.
 */
export type AliasExpectation = string;

export interface AliasOptions extends OperationOptions {
  readonly expect?: AliasExpectation;
}

export interface AliasChange {
  readonly component: string;
  readonly alias: string;
  readonly version: string;
  readonly digest: string;
  /** Where the alias pointed before (undefined: it did not exist). */
  readonly previous?: { readonly version: string; readonly digest: string };
}

export interface AliasInfo {
  readonly alias: string;
  readonly version?: string;
  readonly digest?: string;
  /** Set when the alias cannot be read (its manifest is missing or broken): it is listed, not fatal. */
  readonly problem?: string;
}

export interface ListVersionsOptions extends OperationOptions {
  /** Fetch every version's manifest and keep only those that are what their tag says. Default false. */
  readonly verify?: boolean;
  /** Called for each tag that `verify` drops, with the reason. */
  readonly onSkip?: (tag: string, error: Error) => void;
}

/** A manifest read by tag or digest, kept with its bytes so later steps need not fetch it again. */
interface Loaded {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
  readonly manifest: Manifest;
}

/**
 * An OCM repository over any OCI store (a CTF, a registry): component versions, their local blobs,
 * and version aliases. Written once against the store capability interfaces; it knows no backend.
 *
 * Request counts on a registry (after authentication), which the tests assert: resolving a version
 * or stored alias is 1 (GET manifest), getting a component version 2 (manifest, descriptor layer),
 * listing versions one per page of tags, computed `latest` that plus 1 (plus 1 to get it).
 */
export class OcmRepository {
  readonly #provider: StoreProvider;
  readonly #prefix: string;
  readonly #creator: string;
  readonly #encoding: DescriptorEncoding;
  readonly #concurrency: number;
  readonly #options: OcmRepositoryOptions;
  /** Local blobs pushed through this object, by digest: their descriptors name layers later. */
  readonly #pendingBlobs = new Map<string, Descriptor>();

  constructor(provider: StoreProvider, options: OcmRepositoryOptions = {}) {
    this.#provider = provider;
    this.#options = options;
    this.#prefix = options.prefix ?? '';
    this.#creator = options.creator ?? CREATOR;
    this.#encoding = options.descriptorEncoding ?? 'yaml+tar';
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /**
   * Runs `fn` with a repository whose writes form one unit where the backend supports it: on a CTF
   * one lock and one commit (one rebuild of a .tar/.tgz) for everything `fn` does; elsewhere `fn`
   * simply runs on this repository.
   */
  batch<T>(fn: (repository: OcmRepository) => Promise<T>, options: OperationOptions = {}): Promise<T> {
    if (!canBatch(this.#provider)) return fn(this);
    return this.#provider.batch((provider) => fn(this.#withProvider(provider)), options);
  }

  #withProvider(provider: StoreProvider): OcmRepository {
    const child = new OcmRepository(provider, this.#options);
    for (const [digest, d] of this.#pendingBlobs) child.#pendingBlobs.set(digest, d);
    return child;
  }

  /**
   * The OCI store of one component's repository: the level below component versions, for copying
   * content as it is (transfer) or inspecting it. Writes here bypass every OCM rule.
   */
  ociStore(component: string): Store {
    return this.#store(component);
  }

  /** The OCI repository (within the store) that holds `component`. */
  repositoryOf(component: string): string {
    return componentRepository(validateComponentName(component), this.#prefix);
  }

  // ---------------------------------------------------------------- resolution and reading

  /** Resolves a version or alias without fetching the descriptor (DESIGN 4.8 order). */
  async resolveComponentVersion(
    component: string,
    versionOrAlias: string,
    options: OperationOptions = {},
  ): Promise<ResolvedComponentVersion> {
    return (await this.#resolve(this.#store(component), component, versionOrAlias, options)).resolution;
  }

  /**
   * The descriptor of a version or alias. The descriptor must carry the component and the version
   * the name resolved to; otherwise `InvalidComponentVersionError`.
   */
  async getComponentVersion(
    component: string,
    versionOrAlias: string,
    options: OperationOptions = {},
  ): Promise<ComponentVersion> {
    const store = this.#store(component);
    const { resolution, loaded } = await this.#resolve(store, component, versionOrAlias, options);
    const descriptor = await this.#readDescriptor(store, loaded, resolution, options);
    return { descriptor, resolution };
  }

  /**
   * Versions of a component, newest first, read from the tag names (one request per page of tags).
   * Aliases and other tags are never listed; a component that does not exist has no versions.
   */
  async listComponentVersions(component: string, options: ListVersionsOptions = {}): Promise<string[]> {
    const store = this.#store(component);
    const versions = new Map<string, string>();
    for (const tag of await this.#tags(store, options)) {
      const version = versionFromTag(tag);
      if (version !== undefined) versions.set(version, tag);
    }
    let list = [...versions.keys()];
    if (options.verify) {
      const checked = await mapLimit(list, this.#concurrency, async (version) => {
        try {
          const loaded = await this.#load(store, versions.get(version)!, options);
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

  // ---------------------------------------------------------------- writing versions

  /**
   * Stores a component version: local blobs must be present already (`addLocalResource`), then the
   * descriptor layer and config, then the manifest, then the version tag. Nothing names the version
   * until everything it needs is stored.
   */
  async addComponentVersion(
    input: DescriptorV2,
    options: AddComponentVersionOptions = {},
  ): Promise<AddComponentVersionResult> {
    const descriptor = validateDescriptor(input);
    const component = descriptor.component.name;
    const version = descriptor.component.version;
    const tag = versionToTag(version);
    const repositoryName = this.repositoryOf(component);
    for (const d of options.blobs ?? []) this.#pendingBlobs.set(d.digest, d);

    return this.#atomically(async (provider) => {
      const store = provider.repository(repositoryName);
      const existing = await this.#load(store, tag, options);
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
        for (const d of known) if (!this.#pendingBlobs.has(d.digest)) this.#pendingBlobs.set(d.digest, d);
      }

      const { layers, nested } = await this.#localBlobLayers(store, descriptor, options);
      const descriptorLayer = encodeDescriptorLayer(descriptor, this.#encoding);
      const config = encodeComponentConfig(descriptorLayer.descriptor);
      const inner = encodeComponentManifest(
        component,
        version,
        config.descriptor,
        descriptorLayer.descriptor,
        layers,
        this.#creator,
      );
      // Index form only when a local blob is itself an OCI artifact (DESIGN 3).
      const manifest =
        nested.length > 0
          ? encodeComponentIndex(component, version, inner.descriptor, nested, this.#creator)
          : inner;
      if (existing?.descriptor.digest === manifest.descriptor.digest) {
        return { component, version, digest: manifest.descriptor.digest, status: 'unchanged' };
      }
      await store.push(descriptorLayer.descriptor, descriptorLayer.bytes, options);
      await store.push(config.descriptor, config.bytes, options);
      if (manifest !== inner) await store.push(inner.descriptor, inner.bytes, options);
      await store.push(manifest.descriptor, manifest.bytes, options);

      let aliases: { alias: string; moved: boolean }[] | undefined;
      if (existing) {
        // Aliases name digests, not versions (S41): list those on the old content before the tag moves.
        const stale = (await this.#aliases(store, component, options)).filter(
          (a) => a.digest === existing.descriptor.digest,
        );
        await store.tag(manifest.descriptor, tag, options);
        aliases = [];
        for (const a of stale) {
          if (options.moveAliases) await store.tag(manifest.descriptor, a.alias, options);
          aliases.push({ alias: a.alias, moved: options.moveAliases === true });
        }
      } else {
        await store.tag(manifest.descriptor, tag, options);
      }
      return {
        component,
        version,
        digest: manifest.descriptor.digest,
        status: existing ? 'replaced' : 'added',
        ...(existing ? { previousDigest: existing.descriptor.digest, aliases } : {}),
      };
    }, options);
  }

  /**
   * Stores the content of a local resource in the component's repository and returns the resource
   * with its `localBlob` access (and a `genericBlobDigest/v1` digest when it had none). Put the
   * returned resource into the descriptor passed to `addComponentVersion`.
   */
  async addLocalResource(
    component: string,
    resource: Resource,
    blob: LocalBlobInput,
    options: OperationOptions = {},
  ): Promise<Resource> {
    return this.#addLocalBlob(component, resource, blob, options);
  }

  /** Like `addLocalResource`, for sources. */
  async addLocalSource(
    component: string,
    source: Source,
    blob: LocalBlobInput,
    options: OperationOptions = {},
  ): Promise<Source> {
    return this.#addLocalBlob(component, source, blob, options);
  }

  /** The content of a local resource of a version or alias, streamed and verified. */
  async getLocalResource(
    component: string,
    versionOrAlias: string,
    identity: Identity,
    options: OperationOptions = {},
  ): Promise<LocalBlob> {
    return this.#getLocalBlob(component, versionOrAlias, identity, 'resource', options);
  }

  /** The content of a local source of a version or alias, streamed and verified. */
  async getLocalSource(
    component: string,
    versionOrAlias: string,
    identity: Identity,
    options: OperationOptions = {},
  ): Promise<LocalBlob> {
    return this.#getLocalBlob(component, versionOrAlias, identity, 'source', options);
  }

  // ---------------------------------------------------------------- aliases

  /**
   * Points `alias` at the version `versionOrAlias` resolves to now (a snapshot, not a link; DESIGN
   * 4.2), moving it if it exists. Refuses names that are not aliases (`InvalidAliasError`), never
   * overwrites a version's tag (`VersionTagConflictError`) or a tag that is not a version of this
   * component (`NotAnAliasError`), and with `expect` moves only if the alias still points there
   * (`AliasConflictError`): exactly under the CTF lock, check-put-read-back on a registry.
   */
  async addComponentVersionAlias(
    component: string,
    versionOrAlias: string,
    alias: string,
    options: AliasOptions = {},
  ): Promise<AliasChange> {
    validateAlias(alias);
    const repositoryName = this.repositoryOf(component);
    return this.#atomically(async (provider) => {
      const store = provider.repository(repositoryName);
      const { resolution: target, loaded } = await this.#resolve(store, component, versionOrAlias, options);
      const current = await this.#currentAlias(store, component, alias, options);
      this.#checkExpectation(component, alias, options.expect, current);
      if (current?.digest !== target.digest) {
        // On a registry the store PUTs the manifest bytes it just fetched: no second GET.
        await store.tag(loaded.descriptor, alias, options);
      }
      if (options.expect !== undefined && !canBatch(this.#provider)) {
        // No lock on a registry: read back, so a concurrent writer that won is reported, not hidden.
        const after = await store.resolve(alias, options);
        if (after.digest !== target.digest) {
          throw new AliasConflictError(component, alias, target.digest, after.digest);
        }
      }
      return {
        component,
        alias,
        version: target.version,
        digest: target.digest,
        ...(current ? { previous: { version: current.version, digest: current.digest } } : {}),
      };
    }, options);
  }

  /**
   * Removes an alias and nothing else: the version and its other tags stay (DESIGN 4.5). A version
   * name is refused (`NotAnAliasError`); a missing alias is `NotFoundError`.
   */
  async removeComponentVersionAlias(
    component: string,
    alias: string,
    options: AliasOptions = {},
  ): Promise<AliasChange> {
    if (isValidVersion(alias) || (isValidTag(alias) && versionFromTag(alias) !== undefined)) {
      throw new NotAnAliasError(
        `${alias} is a version of ${component}, not an alias; versions are not removed this way`,
      );
    }
    validateAlias(alias);
    const repositoryName = this.repositoryOf(component);
    return this.#atomically(async (provider) => {
      const store = provider.repository(repositoryName);
      const current = await this.#currentAlias(store, component, alias, options);
      if (!current) throw new NotFoundError(`${component}: alias ${alias} not found`);
      this.#checkExpectation(component, alias, options.expect, current);
      if (!canUntag(store)) throw new UnsupportedError(`${repositoryName}: the store cannot remove tags`);
      await store.untag(alias, options);
      return { component, alias, version: current.version, digest: current.digest, previous: current };
    }, options);
  }

  /**
   * Every alias of a component with the version and digest it names: one request per page of tags
   * plus one per alias. An alias whose manifest cannot be read is listed with `problem`.
   */
  async listComponentVersionAliases(component: string, options: OperationOptions = {}): Promise<AliasInfo[]> {
    return this.#aliases(this.#store(component), component, options);
  }

  // ---------------------------------------------------------------- internals

  #store(component: string): Store {
    return this.#provider.repository(this.repositoryOf(component));
  }

  /** Runs `fn` as one unit where the provider supports it (a CTF: one lock, one commit). */
  #atomically<T>(fn: (provider: StoreProvider) => Promise<T>, options: OperationOptions): Promise<T> {
    return canBatch(this.#provider) ? this.#provider.batch(fn, options) : fn(this.#provider);
  }

  async #resolve(
    store: Store,
    component: string,
    name: string,
    options: OperationOptions,
  ): Promise<{ resolution: ResolvedComponentVersion; loaded: Loaded }> {
    validateComponentName(component);
    if (isValidVersion(name)) {
      const loaded = await this.#load(store, versionToTag(name), options);
      if (!loaded) throw new NotFoundError(`component version ${component}:${name} not found`);
      const id = expectComponentVersion(loaded.manifest, component, `${component}:${name}`);
      if (id.version !== undefined && id.version !== name) {
        // The tag of one version names another: written by a tool with upstream's S13 hole.
        throw new InvalidComponentVersionError(
          `the tag of ${component}:${name} stores version ${id.version}`,
        );
      }
      return { resolution: resolution(component, name, name, 'version', loaded.descriptor), loaded };
    }
    if (!isValidTag(name)) {
      throw new InvalidAliasError(name, 'it is neither a version nor a valid tag');
    }
    const loaded = await this.#load(store, name, options);
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
      const versions = await this.listComponentVersions(component, options);
      const pick = name === 'latest' ? versions[0] : versions.find((v) => !isPrerelease(v));
      if (pick === undefined) {
        throw new NotFoundError(
          `${component}: no alias ${name} is stored and no ${name === 'stable' ? 'release ' : ''}version exists to compute it from`,
        );
      }
      const computed = await this.#load(store, versionToTag(pick), options);
      if (!computed)
        throw new NotFoundError(`component version ${component}:${pick} vanished while resolving ${name}`);
      expectComponentVersion(computed.manifest, component, `${component}:${pick}`);
      return {
        resolution: resolution(component, name, pick, 'computed', computed.descriptor),
        loaded: computed,
      };
    }
    throw new NotFoundError(`${component}: no version or alias ${name}`);
  }

  /** Fetches a manifest by tag or digest: one request where the store can (`fetchReference`). Undefined when absent. */
  async #load(store: Store, reference: string, options: OperationOptions): Promise<Loaded | undefined> {
    try {
      let descriptor: Descriptor;
      let bytes: Uint8Array;
      if (canFetchReference(store)) {
        const got = await store.fetchReference(reference, options);
        descriptor = got.descriptor;
        bytes = await readAll(got.content, MAX_MANIFEST_SIZE, options.signal);
      } else {
        descriptor = await store.resolve(reference, options);
        bytes = await fetchAll(store, descriptor, options);
      }
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

  async #readDescriptor(
    store: Store,
    loaded: Loaded,
    res: ResolvedComponentVersion,
    options: OperationOptions,
  ): Promise<DescriptorV2> {
    return (await this.#readVersion(store, loaded, res, options)).descriptor;
  }

  /** The descriptor, and the manifest that holds it (the first of an index-form version). */
  async #readVersion(
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

  async #tags(store: Store, options: OperationOptions): Promise<string[]> {
    const tags: string[] = [];
    try {
      for await (const page of store.tags(options)) tags.push(...page);
    } catch (err) {
      if (err instanceof NotFoundError) return [];
      throw err;
    }
    return tags;
  }

  async #aliases(store: Store, component: string, options: OperationOptions): Promise<AliasInfo[]> {
    const candidates = (await this.#tags(store, options)).filter(isAliasTag);
    const infos = await mapLimit(
      candidates,
      this.#concurrency,
      async (alias): Promise<AliasInfo | undefined> => {
        try {
          const loaded = await this.#load(store, alias, options);
          if (!loaded) return { alias, problem: 'its manifest is missing' };
          const id = expectComponentVersion(loaded.manifest, component, `${component}:${alias}`);
          // A legacy manifest without annotation takes its version from the tag: a version tag, never an alias.
          if (id.version === undefined) return undefined;
          return { alias, version: id.version, digest: loaded.descriptor.digest };
        } catch (err) {
          // A tag on something that is not a version of this component is not an alias of it.
          if (err instanceof InvalidComponentVersionError) return undefined;
          return { alias, problem: (err as Error).message };
        }
      },
    );
    return infos
      .filter((i): i is AliasInfo => i !== undefined)
      .sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
  }

  /** What `alias` names now, refusing tags that are not aliases of this component. Undefined when absent. */
  async #currentAlias(store: Store, component: string, alias: string, options: OperationOptions) {
    const loaded = await this.#load(store, alias, options);
    if (!loaded) return undefined;
    let id: ReturnType<typeof expectComponentVersion>;
    try {
      id = expectComponentVersion(loaded.manifest, component, `${component}:${alias}`);
    } catch (cause) {
      throw new NotAnAliasError(
        `${component}: tag ${alias} names something that is not a version of ${component}; it is left alone`,
        { cause },
      );
    }
    if (id.version === undefined || versionToTag(id.version) === alias) {
      throw new VersionTagConflictError(component, alias, id.version ?? alias);
    }
    return { version: id.version, digest: loaded.descriptor.digest };
  }

  #checkExpectation(
    component: string,
    alias: string,
    expect: string | undefined,
    current: { version: string; digest: string } | undefined,
  ): void {
    if (expect === undefined) return;
    const actual = current ? `${current.version} (${current.digest})` : 'nothing';
    if (expect === 'absent') {
      if (current) throw new AliasConflictError(component, alias, 'absent', actual);
      return;
    }
    if (!current) throw new AliasConflictError(component, alias, expect, 'nothing (it does not exist)');
    const holds = isValidDigest(expect) ? current.digest === expect : current.version === expect;
    if (!holds) throw new AliasConflictError(component, alias, expect, actual);
  }

  async #localBlobLayers(
    store: Store,
    descriptor: DescriptorV2,
    options: OperationOptions,
  ): Promise<{ layers: LocalBlobLayer[]; nested: Descriptor[] }> {
    const layers = new Map<string, { descriptor: Descriptor; owners: LocalBlobLayer['owners'][number][] }>();
    const nested = new Map<string, Descriptor>();
    const visit = async (elements: readonly (Resource | Source)[] | null, kind: 'resource' | 'source') => {
      for (const element of elements ?? []) {
        const access = localBlobAccess(element.access);
        if (!access) continue;
        if (!isValidDigest(access.localReference)) {
          throw new UnsupportedError(
            `${kind} ${element.name}: localReference ${JSON.stringify(access.localReference)} is not a digest`,
          );
        }
        if (nested.has(access.localReference)) continue;
        let entry = layers.get(access.localReference);
        if (!entry) {
          const known = this.#pendingBlobs.get(access.localReference);
          if (!known) {
            throw new NotFoundError(
              `${kind} ${element.name}: local blob ${access.localReference} is unknown here`,
              {
                hint: 'store its content with addLocalResource/addLocalSource first, or pass its descriptor in options.blobs',
              },
            );
          }
          if (!(await store.exists(known, options)))
            throw new NotFoundError(
              `${kind} ${element.name}: local blob ${access.localReference} is missing`,
            );
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

  async #addLocalBlob<E extends Resource | Source>(
    component: string,
    element: E,
    blob: LocalBlobInput,
    options: OperationOptions,
  ): Promise<E> {
    const store = this.#store(component);
    if (isOciLayoutMediaType(blob.mediaType)) {
      const root = await pushOciLayout(store, blob.content, options);
      this.#pendingBlobs.set(root.digest, root);
      // The OCI artifact is addressed by its root manifest; an input's `referenceName` survives.
      const referenceName =
        typeof element.access.referenceName === 'string' ? element.access.referenceName : undefined;
      const withAccess = {
        ...element,
        access: {
          type: 'localBlob',
          localReference: root.digest,
          mediaType: root.mediaType,
          ...(referenceName === undefined ? {} : { referenceName }),
        },
      } as E;
      if ('relation' in element && (element as Resource).digest == null) {
        const parsed = parseDigest(root.digest);
        (withAccess as Resource).digest = {
          hashAlgorithm: parsed.algorithm === 'sha512' ? 'SHA-512' : 'SHA-256',
          normalisationAlgorithm: 'ociArtifactDigest/v1',
          value: parsed.encoded,
        };
      }
      return withAccess;
    }
    let bytes: Uint8Array | undefined;
    let digest = blob.digest;
    let size = blob.size;
    if (blob.content instanceof Uint8Array) {
      bytes = blob.content;
      digest ??= digestOf(bytes);
      size ??= bytes.byteLength;
    } else if (digest === undefined || size === undefined) {
      throw new UnsupportedError('a streamed local blob needs its digest and size');
    }
    const descriptor: Descriptor = { mediaType: blob.mediaType, digest: digest!, size: size! };
    await store.push(descriptor, blob.content, options);
    this.#pendingBlobs.set(descriptor.digest, descriptor);
    const parsed = parseDigest(descriptor.digest);
    const withAccess = {
      ...element,
      access: { type: 'localBlob', localReference: descriptor.digest, mediaType: descriptor.mediaType },
    } as E;
    if ('relation' in element && (element as Resource).digest == null && parsed.algorithm === 'sha256') {
      (withAccess as Resource).digest = {
        hashAlgorithm: 'SHA-256',
        normalisationAlgorithm: 'genericBlobDigest/v1',
        value: parsed.encoded,
      };
    }
    return withAccess;
  }

  async #getLocalBlob(
    component: string,
    versionOrAlias: string,
    identity: Identity,
    kind: 'resource' | 'source',
    options: OperationOptions,
  ): Promise<LocalBlob> {
    const store = this.#store(component);
    const { resolution: res, loaded } = await this.#resolve(store, component, versionOrAlias, options);
    const { descriptor, manifest } = await this.#readVersion(store, loaded, res, options);
    const element =
      kind === 'resource' ? findResource(descriptor, identity) : findSource(descriptor, identity);
    if (!element)
      throw new NotFoundError(`${component}:${res.version}: no ${kind} ${JSON.stringify(identity)}`);
    const access = localBlobAccess(element.access);
    if (!access)
      throw new UnsupportedError(
        `${kind} ${element.name} has access ${element.access.type}, not a local blob`,
      );
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

function sortedIdentity(identity: Identity): Record<string, string> {
  return Object.fromEntries(Object.entries(identity).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
