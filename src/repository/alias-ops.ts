/**
 * Alias operations (docs/aliases.md): pointing, moving and removing aliases, listing them, and the
 * `expect` compare-and-swap. Every operation that moves or removes an alias tag is in this file;
 * the name rules are in `aliases.ts`.
 */
import { isValidVersion, versionFromTag, versionToTag } from '../descriptor/index.js';
import { NotFoundError, UnsupportedError } from '../errors.js';
import { mapLimit } from '../oci/concurrency.js';
import { canUntag } from '../oci/content/guards.js';
import type { OperationOptions, Store } from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isValidDigest } from '../oci/digest.js';
import { isTagRemoval } from '../oci/manifest.js';
import { isValidTag } from '../oci/reference.js';
import { isAliasTag, validateAlias } from './aliases.js';
import {
  atomically,
  beginMoves,
  failedMove,
  isLocked,
  type RepositoryContext,
  repositoryOf,
  withPolicy,
} from './context.js';
import {
  AliasConflictError,
  InvalidComponentVersionError,
  NotAnAliasError,
  VersionTagConflictError,
} from './errors.js';
import type { AliasOperation, JournalOptions } from './journal.js';
import { expectComponentVersion } from './mapping.js';
import { listTags, loadManifest, resolveName } from './resolve.js';

/**
 * `expect` of an alias change (docs/aliases.md, `--expect`): the version or digest the alias must
 * point at now, or `absent` when it must not exist yet.
 */
export type AliasExpectation = string;

export interface AliasOptions extends OperationOptions, JournalOptions {
  readonly expect?: AliasExpectation;
  /**
   * What the history records this change as: `tag` (default when setting) or `untag` (default when
   * removing); `promote`, `rollback` and `transfer` for the callers that do those.
   */
  readonly operation?: Extract<
    AliasOperation,
    'tag' | 'untag' | 'promote' | 'rollback' | 'transfer' | 'sign'
  >;
  /** Extra data kept with the history event (a promotion's gate results, `forced`, a transfer's source). */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * Move or remove a stage with promotion gates anyway (`tag` and `untag` only; the repository's
   * policy, when it has one, refuses them otherwise); the history records the change as forced.
   */
  readonly force?: boolean;
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

/** What an alias names now. */
interface AliasTarget {
  readonly version: string;
  readonly digest: string;
}

/**
 * Points `alias` at what `versionOrAlias` resolves to now, moving it if it exists; see
 * `OcmRepository.addComponentVersionAlias` for the contract.
 */
export async function addAlias(
  ctx: RepositoryContext,
  component: string,
  versionOrAlias: string,
  alias: string,
  given: AliasOptions,
): Promise<AliasChange> {
  validateAlias(alias);
  const options = await withPolicy(ctx, component, alias, 'tag', given);
  ctx.journal?.check?.(options);
  const repositoryName = repositoryOf(ctx, component);
  return atomically(
    ctx,
    async (provider) => {
      const store = provider.repository(repositoryName);
      const { resolution: target, loaded } = await resolveName(
        ctx,
        store,
        component,
        versionOrAlias,
        options,
      );
      const current = await currentAlias(store, component, alias, options);
      checkExpectation(component, alias, options.expect, current);
      if (current?.digest !== target.digest || (options.expect !== undefined && !isLocked(ctx))) {
        const moves =
          current?.digest === target.digest
            ? []
            : [
                {
                  alias,
                  from: current ? { version: current.version, digest: current.digest } : null,
                  to: { version: target.version, digest: target.digest },
                  operation: options.operation ?? ('tag' as const),
                  ...(options.details === undefined ? {} : { details: options.details }),
                },
              ];
        // Recorded before it is made: a command cut off at any point leaves a record readers resolve.
        const write = await beginMoves(ctx, store, component, moves, options);
        try {
          // On a registry the store PUTs the manifest bytes it just fetched: no second GET.
          if (moves.length > 0) await store.tag(loaded.descriptor, alias, options);
          if (options.expect !== undefined && !isLocked(ctx)) {
            // No lock on a registry: read back, so a concurrent writer that won is reported, not hidden.
            const after = await store.resolve(alias, options);
            if (after.digest !== target.digest) {
              throw new AliasConflictError(component, alias, target.digest, after.digest);
            }
          }
        } catch (err) {
          return failedMove(ctx, write, component, err);
        }
        await write.commit();
      }
      return {
        component,
        alias,
        version: target.version,
        digest: target.digest,
        ...(current ? { previous: { version: current.version, digest: current.digest } } : {}),
      };
    },
    options,
  );
}

/** Removes an alias and nothing else; see `OcmRepository.removeComponentVersionAlias`. */
export async function removeAlias(
  ctx: RepositoryContext,
  component: string,
  alias: string,
  given: AliasOptions,
): Promise<AliasChange> {
  if (isValidVersion(alias) || (isValidTag(alias) && versionFromTag(alias) !== undefined)) {
    throw new NotAnAliasError(
      `${alias} is a version of ${component}, not an alias; versions are not removed this way`,
    );
  }
  validateAlias(alias);
  const options = await withPolicy(ctx, component, alias, 'untag', given);
  ctx.journal?.check?.(options);
  const repositoryName = repositoryOf(ctx, component);
  return atomically(
    ctx,
    async (provider) => {
      const store = provider.repository(repositoryName);
      const current = await currentAlias(store, component, alias, options);
      if (!current) {
        const loaded = await loadManifest(store, alias, options);
        if (loaded && isTagRemoval(loaded.manifest) && canUntag(store)) {
          // Finish a removal that was cut off; its record was written before it began.
          await store.untag(alias, options);
          return { component, alias, version: '', digest: loaded.descriptor.digest };
        }
        throw new NotFoundError(`${component}: alias ${alias} not found`);
      }
      checkExpectation(component, alias, options.expect, current);
      if (!canUntag(store)) throw new UnsupportedError(`${repositoryName}: the store cannot remove tags`);
      const write = await beginMoves(
        ctx,
        store,
        component,
        [
          {
            alias,
            from: { version: current.version, digest: current.digest },
            to: null,
            operation: options.operation ?? 'untag',
            ...(options.details === undefined ? {} : { details: options.details }),
          },
        ],
        options,
      );
      try {
        await store.untag(alias, options);
      } catch (err) {
        return failedMove(ctx, write, component, err);
      }
      await write.commit();
      return { component, alias, version: current.version, digest: current.digest, previous: current };
    },
    options,
  );
}

/**
 * Tags `manifest` as a replaced version (`tag` named `previousDigest` until now). The aliases that
 * pointed at the previous content are listed before the version tag moves (aliases name digests, not
 * versions: docs/aliases.md); with `moveAliases` they follow the version, otherwise they stay where they are.
 */
export async function retagReplacedVersion(
  ctx: RepositoryContext,
  store: Store,
  change: {
    readonly component: string;
    readonly tag: string;
    readonly manifest: Descriptor;
    readonly previousDigest: string;
    readonly moveAliases: boolean;
    /** What the history records the alias moves as: `replace` (default) or `sign`. */
    readonly operation?: 'replace' | 'sign';
    readonly version: string;
  },
  options: OperationOptions & JournalOptions,
): Promise<{ alias: string; moved: boolean }[]> {
  const stale = (
    await listAliases(ctx, store, change.component, await listTags(store, options), options)
  ).filter((a) => a.digest === change.previousDigest);
  const to = { version: change.version, digest: change.manifest.digest };
  const moves = change.moveAliases
    ? stale.map((a) => ({
        alias: a.alias,
        from: { version: a.version ?? change.version, digest: change.previousDigest },
        to,
        operation: change.operation ?? ('replace' as const),
      }))
    : [];
  const write = await beginMoves(ctx, store, change.component, moves, options);
  const aliases: { alias: string; moved: boolean }[] = [];
  try {
    await store.tag(change.manifest, change.tag, options);
    for (const a of stale) {
      if (change.moveAliases) await store.tag(change.manifest, a.alias, options);
      aliases.push({ alias: a.alias, moved: change.moveAliases });
    }
  } catch (err) {
    return failedMove(ctx, write, change.component, err);
  }
  await write.commit();
  return aliases;
}

/**
 * The aliases among `tags` (listed by the caller, so one listing can serve versions and aliases) with
 * the version and digest each names: one request per alias, `ctx.concurrency` at a time. Tags on
 * something that is not a version of this component are not its aliases; an alias whose manifest
 * cannot be read is listed with `problem`. Sorted by name.
 */
export async function listAliases(
  ctx: RepositoryContext,
  store: Store,
  component: string,
  tags: readonly string[],
  options: OperationOptions,
): Promise<AliasInfo[]> {
  const candidates = tags.filter(isAliasTag);
  const infos = await mapLimit(candidates, ctx.concurrency, async (alias): Promise<AliasInfo | undefined> => {
    try {
      const loaded = await loadManifest(store, alias, options);
      if (!loaded) return { alias, problem: 'its manifest is missing' };
      if (isTagRemoval(loaded.manifest))
        return { alias, problem: 'being removed (an untag was cut off; ocm untag cv finishes it)' };
      const id = expectComponentVersion(loaded.manifest, component, `${component}:${alias}`);
      // A legacy manifest without annotation takes its version from the tag: a version tag, never an alias.
      if (id.version === undefined) return undefined;
      return { alias, version: id.version, digest: loaded.descriptor.digest };
    } catch (err) {
      // Listed with its problem, never dropped in silence (a manifest retagged by hand, say).
      if (err instanceof InvalidComponentVersionError)
        return { alias, problem: `it names something that is not a version of ${component}` };
      return { alias, problem: (err as Error).message };
    }
  });
  return infos
    .filter((i): i is AliasInfo => i !== undefined)
    .sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
}

/** What `alias` names now, refusing tags that are not aliases of this component. Undefined when absent. */
async function currentAlias(
  store: Store,
  component: string,
  alias: string,
  options: OperationOptions,
): Promise<AliasTarget | undefined> {
  const loaded = await loadManifest(store, alias, options);
  // A removal cut off halfway: the alias is as good as gone; tag may set it, untag finishes it.
  if (!loaded || isTagRemoval(loaded.manifest)) return undefined;
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

/** `AliasConflictError` unless `expect` (a version, a digest, or `absent`) holds for `current`. */
function checkExpectation(
  component: string,
  alias: string,
  expect: AliasExpectation | undefined,
  current: AliasTarget | undefined,
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
