/**
 * Questions the history answers, over any `OcmRepository`: what happened (newest first, with the
 * moves it does not explain), where an alias pointed at a time, since when it holds its target, and
 * the way back (rollback).
 */
import { NotFoundError } from '../../errors.js';
import type { OperationOptions } from '../../oci/content/storage.js';
import type { AliasChange, JournalOptions, OcmRepository } from '../../repository/index.js';
import type { AliasTarget } from '../../repository/journal.js';
import { type AliasState, HISTORY_TAG, type HistoryHead } from './codec.js';
import { NothingToRollBackError } from './errors.js';
import { type ReadHistoryOptions, readHead, readWholeHistory, walkNewestFirst } from './log.js';
import { type HistoryEntry, type HistoryEvent, parseTime, type UntrackedMove } from './model.js';

export interface GetAliasHistoryOptions extends ReadHistoryOptions {
  /** Only events of this alias. */
  readonly alias?: string;
  /** At most this many events (untracked moves come on top and are not counted). */
  readonly limit?: number;
  /** Only events at or after this time (a `Date`, RFC 3339, or a date). */
  readonly since?: Date | string;
  /**
   * Compare each alias's current target with its newest event and report differences as
   * `untracked` moves. Costs one listing of the tags plus one request per alias (one request with
   * `alias`). Default true.
   */
  readonly reconcile?: boolean;
}

const time = (t: Date | string): Date => (t instanceof Date ? t : parseTime(t));

/**
 * The history of a component's aliases, newest first: recorded events, with the chain verified as
 * far as they are read (the whole history, and the manifest's alias summary, when neither `limit` nor
 * `since` stops the walk), and untracked moves on top. A broken chain is `HistoryIntegrityError`.
 * The newest 64 events cost one request; older ones one request per sealed chunk.
 */
export async function getAliasHistory(
  repository: OcmRepository,
  component: string,
  options: GetAliasHistoryOptions = {},
): Promise<HistoryEntry[]> {
  const since = options.since === undefined ? undefined : time(options.since);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0)) throw new RangeError('limit must be a number >= 0');
  const store = repository.ociStore(component);
  const events: HistoryEvent[] = [];
  let head: HistoryHead | undefined;
  if (limit === Number.POSITIVE_INFINITY && since === undefined) {
    const whole = await readWholeHistory(store, component, options);
    head = whole.head;
    events.push(...whole.events.filter((e) => options.alias === undefined || e.alias === options.alias));
  } else {
    head = await readHead(store, component, options);
    if (head && limit > 0) {
      for await (const { event } of walkNewestFirst(store, component, head, options)) {
        if (since !== undefined && Date.parse(event.time) < since.getTime()) break;
        if (options.alias !== undefined && event.alias !== options.alias) continue;
        events.push(event);
        if (events.length >= limit) break;
      }
    }
  }
  const untracked =
    options.reconcile === false ? [] : await reconcile(repository, component, head?.aliases ?? {}, options);
  // Untracked moves are the newest rows; the limit counts them too.
  return [...untracked, ...events].slice(0, limit);
}

/** Aliases whose current target differs from their newest recorded one. */
async function reconcile(
  repository: OcmRepository,
  component: string,
  states: Readonly<Record<string, AliasState>>,
  options: GetAliasHistoryOptions,
): Promise<UntrackedMove[]> {
  const current = new Map<string, AliasTarget>();
  if (options.alias !== undefined) {
    const now = await currentTarget(repository, component, options.alias, options);
    if (now) current.set(options.alias, now);
  } else {
    for (const a of await repository.listComponentVersionAliases(component, signalOnly(options))) {
      if (a.version !== undefined && a.digest !== undefined)
        current.set(a.alias, { version: a.version, digest: a.digest });
    }
  }
  const names = new Set<string>(current.keys());
  for (const [alias, state] of Object.entries(states)) {
    if (state.to !== null && (options.alias === undefined || alias === options.alias)) names.add(alias);
  }
  const out: UntrackedMove[] = [];
  for (const alias of [...names].sort()) {
    const recorded = states[alias]?.to ?? null;
    const now = current.get(alias) ?? null;
    if ((recorded?.digest ?? null) === (now?.digest ?? null)) continue;
    out.push({
      alias,
      from: recorded,
      to: now,
      operation: 'untracked',
      time: null,
      actor: null,
      message: null,
      tool: null,
      previous: null,
    });
  }
  return out;
}

function signalOnly(options: OperationOptions): OperationOptions {
  return options.signal === undefined ? {} : { signal: options.signal };
}

/** What `alias` names now as a stored alias (never a computed one), or null when it is absent. */
async function currentTarget(
  repository: OcmRepository,
  component: string,
  alias: string,
  options: OperationOptions,
): Promise<AliasTarget | null> {
  try {
    const r = await repository.resolveComponentVersion(component, alias, signalOnly(options));
    return r.kind === 'alias' ? { version: r.version, digest: r.digest } : null;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

export interface AliasAt {
  readonly alias: string;
  readonly version: string;
  readonly digest: string;
  /** The event that set it there. */
  readonly event: HistoryEvent;
}

/**
 * Where `alias` pointed at `at` according to the history: the target of its newest event at or
 * before that time. `NotFoundError` when the history has no event of it before then, or the alias
 * had been removed. The history records moves made through ocm-ts only; untracked moves are not
 * known in time.
 */
export async function resolveAliasAt(
  repository: OcmRepository,
  component: string,
  alias: string,
  at: Date | string,
  options: ReadHistoryOptions = {},
): Promise<AliasAt> {
  const when = time(at).getTime();
  const store = repository.ociStore(component);
  const head = await readHead(store, component, options);
  if (head) {
    for await (const { event } of walkNewestFirst(store, component, head, options)) {
      if (event.alias !== alias || Date.parse(event.time) > when) continue;
      if (event.to === null)
        throw new NotFoundError(
          `${component}: alias ${alias} did not exist at ${new Date(when).toISOString()}`,
          {
            hint: `it was removed at ${event.time}`,
          },
        );
      return { alias, version: event.to.version, digest: event.to.digest, event };
    }
  }
  throw new NotFoundError(
    `${component}: the history has no record of alias ${alias} at or before ${new Date(when).toISOString()}`,
  );
}

export interface AliasSince {
  /** What the alias names now (null: absent). */
  readonly target: AliasTarget | null;
  /**
   * When it came to hold that target, from the newest event; null when the history does not explain
   * the current target (an untracked move: the clock restarts, at an unknown time) or has no event.
   */
  readonly since: string | null;
  readonly untracked: boolean;
  /** The event that set the target (absent when `since` is null). */
  readonly event?: HistoryEvent;
}

/**
 * Since when `alias` holds its current target: one request for the history manifest and one to
 * resolve the alias, whatever the length of the history.
 */
export async function aliasHeldSince(
  repository: OcmRepository,
  component: string,
  alias: string,
  options: OperationOptions = {},
): Promise<AliasSince> {
  const store = repository.ociStore(component);
  const [head, target] = await Promise.all([
    readHead(store, component, options),
    currentTarget(repository, component, alias, options),
  ]);
  const state = head?.aliases[alias];
  if (!state || (state.to?.digest ?? null) !== (target?.digest ?? null))
    return { target, since: null, untracked: state !== undefined || target !== null };
  const event = head ? [...head.recent].reverse().find((e) => e.alias === alias) : undefined;
  return { target, since: state.time, untracked: false, ...(event === undefined ? {} : { event }) };
}

export interface RollbackOptions extends OperationOptions, JournalOptions {
  /** How many moves back. Default 1: where the alias was before its last move. */
  readonly steps?: number;
  /** Roll back only if the alias points here now (version, digest or `absent`). Default: what was read. */
  readonly expect?: string;
}

export interface RollbackResult {
  readonly component: string;
  readonly alias: string;
  readonly from: AliasTarget | null;
  readonly to: AliasTarget | null;
  readonly change: AliasChange;
}

/**
 * Moves `alias` back `steps` moves (default 1), as recorded in the history, with `expect` = where it
 * is now, and records a `rollback` event (with `details.steps`). Rollbacks undo moves, they are not
 * moves to be undone: two rollbacks walk back two moves. A move the history does not explain
 * (untracked) counts as the latest move. A target of null removes the alias (it did not exist then).
 */
export async function rollbackAlias(
  repository: OcmRepository,
  component: string,
  alias: string,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const steps = options.steps ?? 1;
  if (!Number.isSafeInteger(steps) || steps < 1) throw new RangeError('steps must be a whole number >= 1');
  const store = repository.ociStore(component);
  const { events } = await readWholeHistory(store, component, options);
  const mine = events.filter((e) => e.alias === alias).reverse();
  const stack: (AliasTarget | null)[] = [mine[0]?.from ?? null];
  for (const e of mine) {
    const undone = e.operation === 'rollback' ? Number(e.details?.steps ?? 0) : 0;
    if (
      undone > 0 &&
      stack.length > undone &&
      (stack[stack.length - 1 - undone]?.digest ?? null) === (e.to?.digest ?? null)
    ) {
      stack.length -= undone;
    } else {
      stack.push(e.to);
    }
  }
  const now = await currentTarget(repository, component, alias, options);
  if ((stack.at(-1)?.digest ?? null) !== (now?.digest ?? null)) stack.push(now);
  const index = stack.length - 1 - steps;
  if (index < 0)
    throw new NothingToRollBackError(
      `${component}: alias ${alias} has ${stack.length - 1} recorded move(s) to roll back, not ${steps}`,
    );
  const target = stack[index]!;
  const expect = options.expect ?? now?.digest ?? 'absent';
  const journal = {
    operation: 'rollback' as const,
    details: { steps },
    ...(options.message === undefined ? {} : { message: options.message }),
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  if (target === null) {
    if (now === null) throw new NothingToRollBackError(`${component}: alias ${alias} is absent already`);
    const change = await repository.removeComponentVersionAlias(component, alias, { ...journal, expect });
    return { component, alias, from: now, to: null, change };
  }
  const change = await repository.addComponentVersionAlias(component, target.digest, alias, {
    ...journal,
    expect,
  });
  return { component, alias, from: now, to: target, change };
}

/** Reads and verifies the whole history (chain, counts, alias summary); the number of events. */
export async function verifyAliasHistory(
  repository: OcmRepository,
  component: string,
  options: ReadHistoryOptions = {},
): Promise<{ readonly events: number }> {
  const { events } = await readWholeHistory(repository.ociStore(component), component, options);
  return { events: events.length };
}

/** Whether a tag is reserved for repository data (`_ocm.history`, `_ocm.stages`, ...). */
export function isReservedTag(tag: string): boolean {
  return tag === HISTORY_TAG || tag.startsWith('_ocm');
}
