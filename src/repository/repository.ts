import {
  type DescriptorV2,
  type Identity,
  isValidComponentName,
  type Resource,
  type Source,
} from '../descriptor/index.js';
import { canBatch } from '../oci/content/guards.js';
import type { OperationOptions, Store, StoreProvider } from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import {
  type AddComponentVersionOptions,
  type AddComponentVersionResult,
  addComponentVersion,
  type WriteSettings,
} from './add-version.js';
import {
  type AliasChange,
  type AliasInfo,
  type AliasOptions,
  addAlias,
  listAliases,
  removeAlias,
} from './alias-ops.js';
import {
  atomically,
  isLocked,
  type RepositoryContext,
  recordMoves,
  repositoryOf,
  serialQueue,
  storeOf,
} from './context.js';
import type {
  AliasJournal,
  AliasOperation,
  AliasTarget,
  JournalEntry,
  JournalOptions,
  RemotePromotion,
} from './journal.js';
import { addLocalBlob, getLocalBlob, type LocalBlob, type LocalBlobInput } from './local-blobs.js';
import { CREATOR, componentRepository, type DescriptorEncoding } from './mapping.js';
import type { AliasPolicy, PolicyCopy } from './policy-hook.js';
import {
  type ListVersionsOptions,
  listTags,
  loadManifest,
  type ResolvedComponentVersion,
  readVersion,
  resolveName,
  versionsFromTags,
} from './resolve.js';

export type {
  AddComponentVersionOptions,
  AddComponentVersionResult,
  ConflictPolicy,
} from './add-version.js';
export type { AliasChange, AliasExpectation, AliasInfo, AliasOptions } from './alias-ops.js';
export type { LocalBlob, LocalBlobInput } from './local-blobs.js';
export type { ListVersionsOptions, ResolutionKind, ResolvedComponentVersion } from './resolve.js';

export interface OcmRepositoryOptions {
  /** Prefix of every component repository (the `subPath` of an OCI repository spec). Default none. */
  readonly prefix?: string;
  /** Written as `software.ocm.creator`. Default `ocm-ts`. */
  readonly creator?: string;
  /** How descriptors are written: `yaml+tar` (default, readable by every OCM generation) or `json`. */
  readonly descriptorEncoding?: DescriptorEncoding;
  /** Parallel requests when one call needs many (listing aliases, verifying versions). Default 8. */
  readonly concurrency?: number;
  /**
   * Records every alias change this repository makes (the alias history, `stages/history`).
   * Default none: alias changes are not recorded. `openRepository` sets one.
   */
  readonly journal?: AliasJournal;
  /**
   * Asked before every plain alias change (`tag`, `untag`): the stages document's gates
   * (`stages/policy`), with `force` to go around them, recorded as forced. Default none: aliases
   * move without any gate, whatever the stored stages document says. `openRepository` sets one.
   */
  readonly policy?: AliasPolicy;
}

export interface ComponentVersion {
  readonly descriptor: DescriptorV2;
  readonly resolution: ResolvedComponentVersion;
}

/** Versions and aliases of one component, from one listing of its tags. */
export interface ComponentVersionsAndAliases {
  /** Newest first, as `listComponentVersions` returns them. */
  readonly versions: string[];
  /** Sorted by name, as `listComponentVersionAliases` returns them. */
  readonly aliases: AliasInfo[];
}

/**
 * An OCM repository over any OCI store (a CTF, a registry): component versions, their local blobs,
 * and version aliases. Written once against the store capability interfaces; it knows no backend.
 * This class is the public face; the work is done in `resolve.ts` (resolution and reading),
 * `add-version.ts` (writing versions), `local-blobs.ts` and `alias-ops.ts`.
 *
 * Request counts on a registry (after authentication), which the tests assert: resolving a version
 * or stored alias is 1 (GET manifest), getting a component version 2 (manifest, descriptor layer),
 * listing versions one per page of tags, computed `latest` that plus 1 (plus 1 to get it).
 */
export class OcmRepository {
  #ctx: RepositoryContext;
  readonly #settings: WriteSettings;
  readonly #options: OcmRepositoryOptions;

  constructor(provider: StoreProvider, options: OcmRepositoryOptions = {}) {
    this.#options = options;
    this.#ctx = {
      provider,
      prefix: options.prefix ?? '',
      concurrency: Math.max(1, options.concurrency ?? 8),
      pendingBlobs: new Map<string, Descriptor>(),
      ...(options.journal === undefined ? {} : { journal: options.journal }),
      ...(options.policy === undefined ? {} : { policy: options.policy }),
    };
    this.#settings = {
      creator: options.creator ?? CREATOR,
      encoding: options.descriptorEncoding ?? 'yaml+tar',
    };
  }

  /**
   * Runs `fn` with a repository whose writes form one unit where the backend supports it: on a CTF
   * one lock and one commit (one rebuild of a .tar/.tgz) for everything `fn` does; elsewhere `fn`
   * simply runs on this repository.
   */
  batch<T>(fn: (repository: OcmRepository) => Promise<T>, options: OperationOptions = {}): Promise<T> {
    const provider = this.#ctx.provider;
    if (!canBatch(provider)) return fn(this);
    return provider.batch((batched) => fn(this.#withProvider(batched)), options);
  }

  /**
   * This repository over `wrap(provider)`, with the same options: for a decorator that lives as long
   * as one operation, such as a `MemoProvider` for a recursive transfer.
   */
  over(wrap: (provider: StoreProvider) => StoreProvider): OcmRepository {
    return new OcmRepository(wrap(this.#ctx.provider), this.#options);
  }

  #withProvider(provider: StoreProvider): OcmRepository {
    const child = new OcmRepository(provider, this.#options);
    child.#ctx = { ...child.#ctx, inBatch: true, serial: serialQueue() };
    for (const [digest, d] of this.#ctx.pendingBlobs) child.#ctx.pendingBlobs.set(digest, d);
    return child;
  }

  /**
   * The OCI store of one component's repository: the level below component versions, for copying
   * content as it is (transfer) or inspecting it. Writes here bypass every OCM rule.
   */
  ociStore(component: string): Store {
    return storeOf(this.#ctx, component);
  }

  /** The OCI repository (within the store) that holds `component`. */
  repositoryOf(component: string): string {
    return repositoryOf(this.#ctx, component);
  }

  // ---------------------------------------------------------------- resolution and reading

  /** Resolves a version or alias without fetching the descriptor (docs/aliases.md, Resolution). */
  async resolveComponentVersion(
    component: string,
    versionOrAlias: string,
    options: OperationOptions = {},
  ): Promise<ResolvedComponentVersion> {
    return (await resolveName(this.#ctx, storeOf(this.#ctx, component), component, versionOrAlias, options))
      .resolution;
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
    const store = storeOf(this.#ctx, component);
    const { resolution, loaded } = await resolveName(this.#ctx, store, component, versionOrAlias, options);
    const { descriptor } = await readVersion(store, loaded, resolution, options);
    return { descriptor, resolution };
  }

  /**
   * Versions of a component, newest first, read from the tag names (one request per page of tags).
   * Aliases and other tags are never listed; a component that does not exist has no versions.
   */
  async listComponentVersions(component: string, options: ListVersionsOptions = {}): Promise<string[]> {
    const store = storeOf(this.#ctx, component);
    return versionsFromTags(this.#ctx, store, component, await listTags(store, options), options);
  }

  /**
   * `listComponentVersions` and `listComponentVersionAliases` from one listing of the tags: one
   * request per page of tags plus one per alias (plus one per version with `verify`).
   */
  async listComponentVersionsAndAliases(
    component: string,
    options: ListVersionsOptions = {},
  ): Promise<ComponentVersionsAndAliases> {
    const store = storeOf(this.#ctx, component);
    const tags = await listTags(store, options);
    const [versions, aliases] = await Promise.all([
      versionsFromTags(this.#ctx, store, component, tags, options),
      listAliases(this.#ctx, store, component, tags, options),
    ]);
    return { versions, aliases };
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
    return addComponentVersion(this.#ctx, this.#settings, input, options);
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
    return addLocalBlob(this.#ctx, component, resource, blob, options);
  }

  /** Like `addLocalResource`, for sources. */
  async addLocalSource(
    component: string,
    source: Source,
    blob: LocalBlobInput,
    options: OperationOptions = {},
  ): Promise<Source> {
    return addLocalBlob(this.#ctx, component, source, blob, options);
  }

  /** The content of a local resource of a version or alias, streamed and verified. */
  async getLocalResource(
    component: string,
    versionOrAlias: string,
    identity: Identity,
    options: OperationOptions = {},
  ): Promise<LocalBlob> {
    return getLocalBlob(this.#ctx, component, versionOrAlias, { kind: 'resource', identity }, options);
  }

  /** The content of a local source of a version or alias, streamed and verified. */
  async getLocalSource(
    component: string,
    versionOrAlias: string,
    identity: Identity,
    options: OperationOptions = {},
  ): Promise<LocalBlob> {
    return getLocalBlob(this.#ctx, component, versionOrAlias, { kind: 'source', identity }, options);
  }

  // ---------------------------------------------------------------- aliases

  /**
   * Points `alias` at the version `versionOrAlias` resolves to now (a snapshot, not a link;
   * docs/aliases.md), moving it if it exists. Refuses names that are not aliases (`InvalidAliasError`), never
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
    return addAlias(this.#ctx, component, versionOrAlias, alias, options);
  }

  /**
   * Removes an alias and nothing else: the version and its other tags stay (docs/aliases.md). A
   * version name is refused (`NotAnAliasError`); a missing alias is `NotFoundError`.
   */
  async removeComponentVersionAlias(
    component: string,
    alias: string,
    options: AliasOptions = {},
  ): Promise<AliasChange> {
    return removeAlias(this.#ctx, component, alias, options);
  }

  /**
   * Every alias of a component with the version and digest it names: one request per page of tags
   * plus one per alias. An alias whose manifest cannot be read is listed with `problem`. `tags`: the
   * component's tags as the caller listed them a moment ago, so that one listing serves two questions.
   */
  async listComponentVersionAliases(
    component: string,
    options: OperationOptions & { readonly tags?: readonly string[] } = {},
  ): Promise<AliasInfo[]> {
    const store = storeOf(this.#ctx, component);
    const { tags, ...op } = options;
    return listAliases(this.#ctx, store, component, tags ?? (await listTags(store, op)), op);
  }

  /**
   * Names of the components this repository holds (the repositories under
   * `[prefix/]component-descriptors/`), sorted. On a registry this reads the catalog, which some
   * registries refuse (`RegistryAuthError`).
   */
  async listComponents(options: OperationOptions = {}): Promise<string[]> {
    const base = componentRepository('x.y/z', this.#ctx.prefix).slice(0, -'x.y/z'.length);
    const names = new Set<string>();
    for await (const name of this.#ctx.provider.repositories(options)) {
      if (name.startsWith(base) && isValidComponentName(name.slice(base.length)))
        names.add(name.slice(base.length));
    }
    return [...names].sort();
  }

  // ---------------------------------------------------------------- history plumbing

  /** The journal that records this repository's alias changes, if any. */
  get journal(): AliasJournal | undefined {
    return this.#ctx.journal;
  }

  /**
   * Records, in the journal, that the component's stages document changed (a `policy` event with the
   * document's digest in `details.document`). Call it inside `batch` with the write of the document,
   * so that on a CTF both land in one index write. Without a journal it does nothing.
   */
  async recordPolicyChange(
    component: string,
    change: { readonly document: string; readonly details?: Readonly<Record<string, unknown>> },
    options: OperationOptions & JournalOptions = {},
  ): Promise<void> {
    const details = { ...(change.details ?? {}), document: change.document };
    await this.#record(
      component,
      { alias: null, from: null, to: null, operation: 'policy', details },
      options,
    );
  }

  /**
   * Records, in the journal, a promotion into a stage of another repository that took its candidate
   * from here (a `promote` event without an alias of this repository: `details.stage` and
   * `details.repository` say what moved where). Nothing moves here. Without a journal it does nothing.
   */
  async recordRemotePromotion(
    component: string,
    promotion: Omit<RemotePromotion, 'alias' | 'operation'>,
    options: OperationOptions & JournalOptions = {},
  ): Promise<void> {
    await this.#record(component, { alias: null, operation: 'promote', ...promotion }, options);
  }

  /** Records a change that moves no alias here (in one store write with what the batch writes). */
  async #record(
    component: string,
    entry: JournalEntry,
    options: OperationOptions & JournalOptions,
  ): Promise<void> {
    const repositoryName = repositoryOf(this.#ctx, component);
    await atomically(
      this.#ctx,
      (provider) => recordMoves(this.#ctx, provider.repository(repositoryName), component, [entry], options),
      options,
    );
  }

  /**
   * Records that `alias`, in place already, got there by `options.operation` (default `tag`), unless
   * its newest recorded change says so already: for a rerun of a transfer whose first run lost the
   * event. Nothing moves. True when it recorded an event; false when the journal says so already, or
   * there is no journal that can tell.
   */
  async recordAliasInPlace(
    component: string,
    alias: string,
    options: Pick<AliasOptions, 'operation' | 'details' | 'message' | 'actor' | 'signal'> = {},
  ): Promise<boolean> {
    const operation = options.operation ?? 'tag';
    return this.#recordAliasState(component, alias, options, async (store, last) => {
      const { resolution } = await resolveName(this.#ctx, store, component, alias, options);
      if (last?.operation === operation && last.to?.digest === resolution.digest) return undefined;
      return {
        from: last?.to ?? null,
        to: { version: resolution.version, digest: resolution.digest },
        operation,
      };
    });
  }

  /**
   * Records that `alias`, absent here, is absent, when the journal says it names something: a history
   * copied from another repository without that alias (`transfer` of one version). Nothing moves.
   * True when it recorded an event; false when the alias exists, the journal says it is gone already,
   * or there is no journal that can tell.
   */
  async recordAliasAbsent(
    component: string,
    alias: string,
    options: Pick<AliasOptions, 'operation' | 'details' | 'message' | 'actor' | 'signal'> = {},
  ): Promise<boolean> {
    const operation = options.operation ?? 'untag';
    return this.#recordAliasState(component, alias, options, async (store, last) => {
      if (!last?.to || (await loadManifest(store, alias, options))) return undefined;
      return { from: last.to, to: null, operation };
    });
  }

  /**
   * Records, without moving anything, the change `decide` derives from where the journal last left
   * `alias` (undefined: nothing to record). False without a journal that can tell.
   */
  async #recordAliasState(
    component: string,
    alias: string,
    options: Pick<AliasOptions, 'details' | 'message' | 'actor' | 'signal'>,
    decide: (
      store: Store,
      last: { to: AliasTarget | null; operation: AliasOperation } | undefined,
    ) => Promise<Pick<JournalEntry, 'from' | 'to' | 'operation'> | undefined>,
  ): Promise<boolean> {
    const journal = this.#ctx.journal;
    if (!journal?.lastChange) return false;
    const repositoryName = repositoryOf(this.#ctx, component);
    return atomically(
      this.#ctx,
      async (provider) => {
        const store = provider.repository(repositoryName);
        const change = await decide(store, await journal.lastChange!(store, component, alias, options));
        if (change === undefined) return false;
        const details = options.details === undefined ? {} : { details: options.details };
        await recordMoves(this.#ctx, store, component, [{ alias, ...change, ...details }], options);
        return true;
      },
      options,
    );
  }

  /**
   * Asks the policy (see `OcmRepositoryOptions.policy`) about a change of `alias` that the alias
   * operations do not ask about themselves (a transfer onto rules other than the source's): throws
   * when it is refused; else the details to record with it. Undefined without a policy.
   */
  async checkAliasPolicy(
    component: string,
    alias: string,
    change: { readonly operation: AliasOperation; readonly force?: boolean },
    options: OperationOptions = {},
  ): Promise<Readonly<Record<string, unknown>> | undefined> {
    const store = storeOf(this.#ctx, component);
    return this.#ctx.policy?.check(
      store,
      component,
      { alias, operation: change.operation, force: change.force === true },
      options,
    );
  }

  /**
   * Copies the policy document of `component` (its stages document) from `source` when this
   * repository has none (transfer, before the history that records it). Without a policy that can
   * copy, `none`.
   */
  async copyAliasPolicyFrom(
    source: OcmRepository,
    component: string,
    options: OperationOptions = {},
  ): Promise<PolicyCopy> {
    const policy = this.#ctx.policy;
    if (!policy?.copy) return 'none';
    const repositoryName = repositoryOf(this.#ctx, component);
    return atomically(
      this.#ctx,
      (provider) => policy.copy!(source.ociStore(component), provider.repository(repositoryName), options),
      options,
    );
  }

  /**
   * Copies the alias history of `component` from `source` when this repository has none (transfer).
   * True when it copied one. Without a journal, or one that cannot copy, it does nothing.
   */
  async copyAliasHistoryFrom(
    source: OcmRepository,
    component: string,
    options: OperationOptions = {},
  ): Promise<boolean> {
    const journal = this.#ctx.journal;
    if (!journal?.copy) return false;
    const repositoryName = repositoryOf(this.#ctx, component);
    return atomically(
      this.#ctx,
      (provider) =>
        journal.copy!(source.ociStore(component), provider.repository(repositoryName), {
          atomic: isLocked(this.#ctx),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        }),
      options,
    );
  }
}
