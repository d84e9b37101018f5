/**
 * Questions the history answers, over any `OcmRepository`: what happened (newest first, with the
 * moves it does not explain), where an alias pointed at a time, since when it holds its target, and
 * the way back (rollback).
 */
import { NotFoundError, OcmError } from '../../errors.js';
import { type OperationOptions, type Store, signalOnly } from '../../oci/content/storage.js';
import type { AliasChange, JournalOptions, OcmRepository } from '../../repository/index.js';
import type { AliasTarget } from '../../repository/journal.js';
import { type AliasState, HISTORY_TAG } from './codec.js';
import { NothingToRollBackError } from './errors.js';
import { type HistoryView, readView, type ViewOptions } from './fold.js';
import { type ReadHistoryOptions, walkNewestFirst } from './log.js';
import { type HistoryEntry, type HistoryEvent, parseTime, remoteStage, type UntrackedMove } from './model.js';

export type HistoryReadOptions = ReadHistoryOptions & ViewOptions;

/**
 * Every event newest first: the pending ones a fold would append, then the head's, with the chain
 * verified as far as the walk goes (chunks are read only when it reaches them).
 */
export async function* eventsNewestFirst(
  store: Store,
  component: string,
  view: HistoryView,
  options: ReadHistoryOptions = {},
): AsyncGenerator<HistoryEvent> {
  for (let i = view.pending.length - 1; i >= 0; i--) yield view.pending[i]!;
  if (view.head)
    for await (const { event } of walkNewestFirst(store, component, view.head, options)) yield event;
}

/** Each alias's newest recorded target and time, walking back until every alias in `wanted` is found (all: to the end). */
export async function newestPerAlias(
  store: Store,
  component: string,
  view: HistoryView,
  wanted: ReadonlySet<string> | undefined,
  options: ReadHistoryOptions,
  seen: HistoryEvent[] = [],
): Promise<Record<string, AliasState>> {
  const out: Record<string, AliasState> = {};
  let missing = wanted ? [...wanted].filter((a) => !(a in out)).length : Number.POSITIVE_INFINITY;
  const note = (e: HistoryEvent) => {
    if (e.alias === null || e.alias in out) return;
    out[e.alias] = { to: e.to, time: e.time };
    if (wanted?.has(e.alias)) missing--;
  };
  for (const e of seen) note(e);
  if (missing <= 0) return out;
  let skip = seen.length;
  for await (const e of eventsNewestFirst(store, component, view, options)) {
    if (skip > 0) {
      skip--;
      continue;
    }
    note(e);
    if (missing <= 0) break;
  }
  return out;
}

export interface GetAliasHistoryOptions extends ReadHistoryOptions {
  /** Only events of this alias. */
  readonly alias?: string;
  /**
   * With `alias`: also the promotions of a stage of that name in another repository that took their
   * candidate from here (`remoteStage`). Default false.
   */
  readonly elsewhere?: boolean;
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
  const view = await readView(store, component, options);
  const whole = limit === Number.POSITIVE_INFINITY && since === undefined;
  const all: HistoryEvent[] = [];
  const events: HistoryEvent[] = [];
  if (whole || limit > 0) {
    for await (const event of eventsNewestFirst(store, component, view, options)) {
      all.push(event);
      if (since !== undefined && Date.parse(event.time) < since.getTime()) break;
      if (
        options.alias !== undefined &&
        event.alias !== options.alias &&
        !(options.elsewhere === true && remoteStage(event)?.stage === options.alias)
      )
        continue;
      events.push(event);
      if (events.length >= limit) break;
    }
  }
  let untracked: UntrackedMove[] = [];
  if (options.reconcile !== false) {
    const current = await currentTargets(repository, component, options, view.tags);
    const wanted = whole ? undefined : new Set(current.keys());
    const states = await newestPerAlias(store, component, view, wanted, options, all);
    untracked = reconcile(current, states, options.alias);
  }
  // Untracked moves are the newest rows; the limit counts them too.
  return [...untracked, ...events].slice(0, limit);
}

/** What each alias (or just `options.alias`) names now. */
async function currentTargets(
  repository: OcmRepository,
  component: string,
  options: GetAliasHistoryOptions,
  tags: readonly string[],
): Promise<Map<string, Current>> {
  const current = new Map<string, Current>();
  if (options.alias !== undefined) {
    try {
      const now = await currentTarget(repository, component, options.alias, options);
      if (now) current.set(options.alias, now);
    } catch (err) {
      if (!(err instanceof OcmError)) throw err;
      current.set(options.alias, { problem: err.message });
    }
  } else {
    // The listing the history was read with: one listing, not two.
    for (const a of await repository.listComponentVersionAliases(component, {
      ...signalOnly(options),
      tags,
    })) {
      if (a.version !== undefined && a.digest !== undefined)
        current.set(a.alias, { version: a.version, digest: a.digest });
      else if (a.problem !== undefined) current.set(a.alias, { problem: a.problem });
    }
  }
  return current;
}

/** Where an alias points now, or what is wrong with it. */
type Current = AliasTarget | { readonly problem: string };

/** Aliases whose current target differs from their newest recorded one. */
function reconcile(
  current: ReadonlyMap<string, Current>,
  states: Readonly<Record<string, AliasState>>,
  only: string | undefined,
): UntrackedMove[] {
  const names = new Set<string>(current.keys());
  for (const [alias, state] of Object.entries(states)) {
    if (state.to !== null && (only === undefined || alias === only)) names.add(alias);
  }
  const out: UntrackedMove[] = [];
  for (const alias of [...names].sort()) {
    const recorded = states[alias]?.to ?? null;
    const found = current.get(alias);
    const problem = found !== undefined && 'problem' in found ? found.problem : undefined;
    const now = found === undefined || problem !== undefined ? null : (found as AliasTarget);
    if (problem === undefined && (recorded?.digest ?? null) === (now?.digest ?? null)) continue;
    out.push({
      alias,
      from: recorded,
      to: now,
      ...(problem === undefined ? {} : { problem }),
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
  options: HistoryReadOptions = {},
): Promise<AliasAt> {
  const when = time(at).getTime();
  const store = repository.ociStore(component);
  const view = await readView(store, component, options);
  for await (const event of eventsNewestFirst(store, component, view, options)) {
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
 * Since when `alias` holds its current target, from the verified history: the newest event of the
 * alias, found by walking the hash chain back from the head (the events of the last 64 to 128 moves
 * cost no request beyond the head; older ones one per sealed chunk). Never from a summary that the
 * chain does not cover.
 */
export async function aliasHeldSince(
  repository: OcmRepository,
  component: string,
  alias: string,
  options: HistoryReadOptions = {},
): Promise<AliasSince> {
  const store = repository.ociStore(component);
  const [view, target] = await Promise.all([
    readView(store, component, options),
    currentTarget(repository, component, alias, options),
  ]);
  let event: HistoryEvent | undefined;
  for await (const e of eventsNewestFirst(store, component, view, options)) {
    if (e.alias === alias) {
      event = e;
      break;
    }
  }
  if (!event || (event.to?.digest ?? null) !== (target?.digest ?? null))
    return { target, since: null, untracked: event !== undefined || target !== null };
  return { target, since: event.time, untracked: false, event };
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
  const events = await allEvents(repository, component, options);
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
    ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
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
  options: HistoryReadOptions = {},
): Promise<{ readonly events: number }> {
  const events = await allEvents(repository, component, options);
  return { events: events.length };
}

/** Every event, newest first, pending ones included, with the whole chain verified. */
async function allEvents(
  repository: OcmRepository,
  component: string,
  options: HistoryReadOptions,
): Promise<HistoryEvent[]> {
  const store = repository.ociStore(component);
  const view = await readView(store, component, options);
  const out: HistoryEvent[] = [];
  for await (const e of eventsNewestFirst(store, component, view, options)) out.push(e);
  return out;
}

/** Whether a tag is reserved for repository data (`_ocm.history`, `_ocm.stages`, ...). */
export function isReservedTag(tag: string): boolean {
  return tag === HISTORY_TAG || tag.startsWith('_ocm');
}
