import { NotFoundError, OcmError, type OcmErrorOptions } from '../errors.js';
import type { JournalEntry } from './journal.js';

/**
 * The content a reference names is not a component version of the component asked for: wrong
 * kind of artifact, another component, or a descriptor whose name or version disagree with the
 * manifest or with the version requested.
 */
export class InvalidComponentVersionError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('INVALID_COMPONENT_VERSION', message, options);
  }
}

/** The version exists already and the conflict policy is `abort`. */
export class VersionExistsError extends OcmError {
  constructor(component: string, version: string, options?: OcmErrorOptions) {
    super('VERSION_EXISTS', `${component}:${version} exists already`, {
      hint: 'choose another version, or replace it with conflict policy "replace"',
      ...options,
    });
  }
}

/** An alias name breaks the alias grammar (docs/aliases.md). */
export class InvalidAliasError extends OcmError {
  readonly alias: string;
  constructor(alias: string, reason: string, options?: OcmErrorOptions) {
    super('INVALID_ALIAS', `invalid alias ${JSON.stringify(alias)}: ${reason}`, options);
    this.alias = alias;
  }
}

/** An alias would overwrite the tag of a real version (docs/aliases.md). */
export class VersionTagConflictError extends OcmError {
  constructor(component: string, tag: string, version: string, options?: OcmErrorOptions) {
    super(
      'VERSION_TAG_CONFLICT',
      `${component}: tag ${JSON.stringify(tag)} is the tag of version ${version}, not an alias`,
      options,
    );
  }
}

/** The name given is a version, or a tag that is not an alias of this component. */
export class NotAnAliasError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('NOT_AN_ALIAS', message, options);
  }
}

/** `expect` did not hold: the alias moved (or appeared, or vanished) since the caller looked. */
export class AliasConflictError extends OcmError {
  readonly expected: string;
  readonly actual: string;
  constructor(component: string, alias: string, expected: string, actual: string, options?: OcmErrorOptions) {
    super(
      'ALIAS_CONFLICT',
      `${component}: alias ${alias} points at ${actual}, not at the expected ${expected}`,
      {
        hint: 'someone moved it meanwhile; look again (ocm get aliases) and retry with the current target',
        ...options,
      },
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The stored component version changed while it was being signed or verified: a concurrent writer
 * replaced the version, or moved the alias between two reads. Nothing was concluded from mixed
 * states; retry.
 */
export class ComponentVersionChangedError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('COMPONENT_VERSION_CHANGED', message, {
      hint: 'someone changed the version or alias meanwhile; look again and retry',
      ...options,
    });
  }
}

/** A component reference names a version that no repository of the lookup list has. */
export class MissingReferenceError extends OcmError {
  /** `component:version` from the root to the missing version. */
  readonly path: readonly string[];
  constructor(path: readonly string[], referenceName: string, options?: OcmErrorOptions) {
    super('MISSING_REFERENCE', `reference ${JSON.stringify(referenceName)} not found: ${path.join(' -> ')}`, {
      hint: 'transfer the referenced version first, or name the repository that holds it with --lookup',
      ...options,
    });
    this.path = path;
  }
}

/** Component references that lead back to a version on the same path. */
export class ReferenceCycleError extends OcmError {
  /** `component:version` around the cycle; the first and last are the same. */
  readonly cycle: readonly string[];
  constructor(cycle: readonly string[], options?: OcmErrorOptions) {
    super('REFERENCE_CYCLE', `component references form a cycle: ${cycle.join(' -> ')}`, options);
    this.cycle = cycle;
  }
}

/** A chain of component references longer than the walk allows. */
export class ReferenceDepthError extends OcmError {
  readonly path: readonly string[];
  constructor(path: readonly string[], maxDepth: number, options?: OcmErrorOptions) {
    super(
      'REFERENCE_DEPTH',
      `component references nest deeper than ${maxDepth}: ${path.slice(0, 4).join(' -> ')} -> ...`,
      options,
    );
    this.path = path;
  }
}

/**
 * Signing through an alias that names an earlier content of its version (the version was replaced
 * and the alias was left behind). Signing would overwrite the version's current content with the
 * signed old one, so it is refused.
 */
export class StaleAliasError extends OcmError {
  readonly alias: string;
  constructor(component: string, alias: string, version: string, aliasDigest: string, versionDigest: string) {
    super(
      'STALE_ALIAS',
      `${component}: alias ${alias} names ${aliasDigest}, an earlier content of version ${version}, which now stores ${versionDigest}`,
      {
        hint: `sign the version itself, or move the alias to it first (ocm tag cv REPOSITORY//${component}:${version} ${alias})`,
      },
    );
    this.alias = alias;
  }
}

/**
 * The stored content of a local resource could not be read as the descriptor describes it (wrong
 * size, unreadable): the resource and the component version are named, the store's error is `cause`.
 * A content digest mismatch is an `ElementDigestMismatchError` instead.
 */
export class ResourceContentError extends OcmError {
  readonly identity: Readonly<Record<string, string>>;
  constructor(where: string, identity: Record<string, string>, reason: string, options?: OcmErrorOptions) {
    super('RESOURCE_CONTENT_INVALID', `${where}: resource ${JSON.stringify(identity)}: ${reason}`, options);
    this.identity = identity;
  }
}

/**
 * On a store without atomic batches (a registry) the alias moved but its history event could not be
 * written: the move stands, and reading the history will show it as an untracked move.
 */
export class AliasMovedWithoutEventError extends OcmError {
  readonly moves: readonly JournalEntry[];
  constructor(component: string, moves: readonly JournalEntry[], cause: unknown) {
    const what = moves
      .map((m) =>
        m.alias === null ? 'stages document' : `${m.alias} -> ${m.to ? m.to.version : '(removed)'}`,
      )
      .join(', ');
    super(
      'HISTORY_NOT_RECORDED',
      `${component}: the alias moved (${what}) but its history event was not recorded: ${(cause as Error)?.message ?? cause}`,
      {
        cause,
        hint: 'the move stands; `ocm get history` shows it as an untracked move',
      },
    );
    this.moves = moves;
  }
}

/**
 * The registry did not confirm a move (no answer, or server errors through every retry): the alias
 * may or may not have moved. Its history record was written first, so whichever happened is recorded
 * once; running the same command again completes it.
 */
export class MoveUnconfirmedError extends OcmError {
  constructor(component: string, cause: unknown) {
    super(
      'MOVE_UNCONFIRMED',
      `${component}: the registry did not confirm the move, which may or may not have happened: ${(cause as Error)?.message ?? cause}`,
      {
        cause,
        hint: 'run the same command again: it completes what this one started and records it once',
      },
    );
  }
}

/**
 * No version or alias of that name (code `NOT_FOUND`). Carries the component and the name asked
 * for, so that a caller with the repository at hand can say what exists (the CLI lists it).
 */
export class ComponentVersionNotFoundError extends NotFoundError {
  readonly component: string;
  readonly requested: string;
  constructor(component: string, requested: string, message: string, options?: OcmErrorOptions) {
    super(message, options);
    this.component = component;
    this.requested = requested;
  }
}

/** A version has no resource (or source) with that identity; `names` are those it has (code `NOT_FOUND`). */
export class ElementNotFoundError extends NotFoundError {
  readonly kind: 'resource' | 'source';
  readonly identity: Readonly<Record<string, string>>;
  readonly names: readonly string[];
  constructor(
    what: string,
    kind: 'resource' | 'source',
    identity: Readonly<Record<string, string>>,
    names: readonly string[],
  ) {
    super(`${what}: no ${kind} ${JSON.stringify(identity)}`, {
      hint: names.length === 0 ? `it has no ${kind}s` : `its ${kind}s: ${names.join(', ')}`,
    });
    this.kind = kind;
    this.identity = identity;
    this.names = names;
  }
}
