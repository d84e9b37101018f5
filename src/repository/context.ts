import { validateComponentName } from '../descriptor/index.js';
import { OcmError } from '../errors.js';
import { canBatch } from '../oci/content/guards.js';
import type { OperationOptions, Store, StoreProvider } from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { AliasConflictError, AliasMovedWithoutEventError, MoveUnconfirmedError } from './errors.js';
import type {
  AliasJournal,
  AliasMoveContext,
  AliasOperation,
  JournalEntry,
  JournalOptions,
  JournalWrite,
} from './journal.js';
import { componentRepository } from './mapping.js';
import type { AliasPolicy } from './policy-hook.js';

/**
 * What the parts of one `OcmRepository` share: the backend, the settings, and the local blobs pushed
 * through it. The operation modules (resolve, local-blobs, alias-ops, add-version) take it as their
 * first argument; only `repository.ts` builds one.
 */
export interface RepositoryContext {
  readonly provider: StoreProvider;
  /** Prefix of every component repository. */
  readonly prefix: string;
  /** Parallel requests when one call needs many (listing aliases, verifying versions). */
  readonly concurrency: number;
  /** Local blobs pushed through this repository object, by digest: their descriptors name layers later. */
  readonly pendingBlobs: Map<string, Descriptor>;
  /** Records alias changes (the history); none when absent. */
  readonly journal?: AliasJournal;
  /** Asked before plain alias changes (the stages document's gates); none when absent. */
  readonly policy?: AliasPolicy;
  /** True for the repository a `batch` hands out: its writes already form one unit. */
  readonly inBatch?: boolean;
  /**
   * In a batch: runs the units of `atomically` one at a time, as the store's lock does outside a
   * batch. Concurrent callers of one batch (a transfer with `--jobs`) share its transaction, and a
   * read-modify-write such as a history append must not interleave with another.
   */
  readonly serial?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** A queue that runs the functions given to it one at a time, in order. */
export function serialQueue(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** The OCI repository (within the store) that holds `component`; `InvalidComponentNameError` if malformed. */
export function repositoryOf(ctx: RepositoryContext, component: string): string {
  return componentRepository(validateComponentName(component), ctx.prefix);
}

export function storeOf(ctx: RepositoryContext, component: string): Store {
  return ctx.provider.repository(repositoryOf(ctx, component));
}

/**
 * Runs `fn` as one unit where the provider supports it (a CTF: one lock, one commit); in a batch, one
 * unit at a time.
 */
export function atomically<T>(
  ctx: RepositoryContext,
  fn: (provider: StoreProvider) => Promise<T>,
  options: OperationOptions,
): Promise<T> {
  if (ctx.serial) return ctx.serial(() => fn(ctx.provider));
  return canBatch(ctx.provider) ? ctx.provider.batch(fn, options) : fn(ctx.provider);
}

/** Whether writes are serialised by a lock (a CTF), so a compare-and-swap needs no read-back. */
export function isLocked(ctx: RepositoryContext): boolean {
  return ctx.inBatch === true || canBatch(ctx.provider);
}

/**
 * Hands alias changes to the journal, with the store they were made in. Call it inside the unit of
 * `atomically`, after the moves: on a CTF a failure then undoes the moves too; elsewhere the moves
 * stand and `AliasMovedWithoutEventError` says so.
 */
export async function recordMoves(
  ctx: RepositoryContext,
  store: Store,
  component: string,
  moves: readonly JournalEntry[],
  options: OperationOptions & JournalOptions,
): Promise<void> {
  if (!ctx.journal || moves.length === 0) return;
  const atomic = isLocked(ctx);
  try {
    await ctx.journal.record(store, component, moves, moveContext(atomic, options));
  } catch (err) {
    if (atomic) throw err;
    throw new AliasMovedWithoutEventError(component, moves, err);
  }
}

function moveContext(atomic: boolean, options: OperationOptions & JournalOptions): AliasMoveContext {
  return {
    atomic,
    ...(options.message === undefined ? {} : { message: options.message }),
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}

const nothing: JournalWrite = { commit: async () => {}, abort: async () => {} };

/**
 * Records alias changes that are about to be made: call it before the moves, then `commit` after
 * them (or `abort` when they were certainly not made). On a store with atomic writes `commit` is
 * `recordMoves` inside the unit; elsewhere the journal writes its record first (`AliasJournal.begin`).
 */
export async function beginMoves(
  ctx: RepositoryContext,
  store: Store,
  component: string,
  moves: readonly JournalEntry[],
  options: OperationOptions & JournalOptions,
): Promise<JournalWrite> {
  if (!ctx.journal || moves.length === 0) return nothing;
  if (isLocked(ctx) || !ctx.journal.begin)
    return { commit: () => recordMoves(ctx, store, component, moves, options), abort: async () => {} };
  return ctx.journal.begin(store, component, moves, moveContext(false, options));
}

/**
 * What a move that failed after `beginMoves` throws. A refusal (a 4xx answer, a lost
 * compare-and-swap) certainly moved nothing: the record is withdrawn and the error passes. Anything
 * else (no answer, a server error after the retries) may have moved the alias: the record stays,
 * readers resolve it from where the alias points, and the error says to run the command again.
 */
export async function failedMove(
  ctx: RepositoryContext,
  write: JournalWrite,
  component: string,
  err: unknown,
): Promise<never> {
  const status = (err as { status?: unknown } | null)?.status;
  const refused =
    err instanceof AliasConflictError || (typeof status === 'number' && status >= 400 && status < 500);
  // Only a store's own errors leave the outcome open; a bug or an abort by the caller is passed on.
  if (isLocked(ctx) || refused || !(err instanceof OcmError)) {
    if (refused) await write.abort().catch(() => undefined);
    throw err;
  }
  throw new MoveUnconfirmedError(component, err);
}

/** Operations the policy is asked about: plain moves. `promote` checks its gates itself. */
const checked: ReadonlySet<AliasOperation> = new Set(['tag', 'untag']);

/**
 * The options of an alias change with what the policy adds (the details of a forced move), after
 * asking it: call before anything moves. Without a policy, or for an operation it is not asked
 * about, `options` as given.
 */
export async function withPolicy<
  O extends OperationOptions & {
    readonly operation?: AliasOperation;
    readonly force?: boolean;
    readonly details?: Readonly<Record<string, unknown>>;
  },
>(
  ctx: RepositoryContext,
  component: string,
  alias: string,
  fallback: AliasOperation,
  options: O,
): Promise<O> {
  const operation = options.operation ?? fallback;
  if (!ctx.policy || !checked.has(operation)) return options;
  const details = await ctx.policy.check(
    storeOf(ctx, component),
    component,
    { alias, operation, force: options.force === true },
    options,
  );
  return details === undefined ? options : { ...options, details: { ...options.details, ...details } };
}
