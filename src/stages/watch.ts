import { NotFoundError } from '../errors.js';
import { canWatch } from '../oci/content/guards.js';
import { validateAlias } from '../repository/aliases.js';
import type { OcmRepository } from '../repository/repository.js';

/** Where an alias points: a version and the digest of its manifest. */
export interface AliasTarget {
  readonly version: string;
  readonly digest: string;
}

/** One observed move of an alias. `from`/`to` are null where the alias did not (or no longer) exist(s). */
export interface AliasMove {
  readonly component: string;
  readonly alias: string;
  readonly from: AliasTarget | null;
  readonly to: AliasTarget | null;
  /** When the move was seen (RFC 3339, UTC); the move itself happened since the previous look. */
  readonly time: string;
}

/** Time, injected so tests step it instead of sleeping. */
export interface WatchClock {
  now(): Date;
  /** Resolves after `ms`, or early (never rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: WatchClock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface WatchFailure {
  /** Failed looks in a row, this one included. */
  readonly failures: number;
  /** When the next look happens, in ms. */
  readonly retryIn: number;
}

export interface WatchAliasOptions {
  /** Time between looks, in ms. Default 30 s. On a store with change notification, only its fallback poll. */
  readonly interval?: number;
  /** Ends the watch: the iteration then finishes normally. */
  readonly signal?: AbortSignal;
  /** Also yield where the alias points when the watch starts, as a move from null. Default false. */
  readonly initial?: boolean;
  /**
   * Where the caller knows the alias points now (null: absent): the first look then waits for the
   * interval (or a notification) instead of happening at once, and a move since is still seen.
   */
  readonly known?: AliasTarget | null;
  /**
   * A look failed (registry unreachable, archive unreadable): the watch retries after `retryIn`,
   * doubling from `interval` up to `maxBackoff`. Failures are never thrown out of the iteration.
   */
  readonly onError?: (error: Error, failure: WatchFailure) => void;
  /** A look succeeded after `failures` failed ones. */
  readonly onRecover?: (failures: number) => void;
  /** Longest wait between failed looks, in ms. Default 5 min (never less than `interval`). */
  readonly maxBackoff?: number;
  readonly clock?: WatchClock;
  /**
   * Runs each look; a caller watching many aliases passes a limiter here so that their looks do not
   * all run at once (a change notification wakes every watcher of a CTF together). Default: at once.
   */
  readonly limit?: <T>(look: () => Promise<T>) => Promise<T>;
}

/**
 * Watches one alias of a component and yields each move, for deployers and the board.
 *
 * Cost per look on a registry: one `HEAD` of the alias's manifest. Its `Docker-Content-Digest`
 * header is compared with the last digest seen; only when it differs is the manifest fetched (one
 * `GET`) to learn the version. `ETag`/`If-None-Match` would save nothing here: a `HEAD` carries no
 * body, and Distribution's `ETag` is the same digest. On a store that can notify (`Watcher`: a CTF,
 * through `fs.watch`, polling where that fails) a look happens on each notification instead of on a
 * timer. Moves between two looks collapse into one (from the first, to the last).
 */
export async function* watchAlias(
  repository: OcmRepository,
  component: string,
  alias: string,
  options: WatchAliasOptions = {},
): AsyncGenerator<AliasMove> {
  validateAlias(alias);
  const { signal } = options;
  const clock = options.clock ?? systemClock;
  const interval = Math.max(1, options.interval ?? 30_000);
  const maxBackoff = Math.max(interval, options.maxBackoff ?? 5 * 60_000);
  const store = repository.ociStore(component);
  const notifications = canWatch(store)
    ? store.watch({ pollInterval: interval, ...(signal ? { signal } : {}) })[Symbol.asyncIterator]()
    : undefined;
  let known: AliasTarget | null | undefined = options.known;
  let failures = 0;
  let wait = known !== undefined;

  const look = async (): Promise<AliasMove | undefined> => {
    let digest: string | undefined;
    try {
      digest = (await store.resolve(alias, signal ? { signal } : {})).digest;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    if (known !== undefined && (known?.digest ?? undefined) === digest) return undefined;
    let to: AliasTarget | null = null;
    if (digest !== undefined) {
      try {
        const r = await repository.resolveComponentVersion(component, alias, signal ? { signal } : {});
        to = { version: r.version, digest: r.digest };
      } catch (err) {
        // Removed between the HEAD and the GET: seen as absent.
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    const first = known === undefined;
    const from = known ?? null;
    known = to;
    if (first && !options.initial) return undefined;
    if (!first && from?.digest === to?.digest) return undefined;
    return { component, alias, from, to, time: clock.now().toISOString() };
  };

  try {
    while (!signal?.aborted) {
      if (wait) {
        if (notifications) {
          if ((await notifications.next()).done) return;
        } else await clock.sleep(interval, signal);
        if (signal?.aborted) return;
      }
      wait = true;
      let move: AliasMove | undefined;
      try {
        move = await (options.limit ? options.limit(look) : look());
      } catch (err) {
        if (signal?.aborted) return;
        failures++;
        const retryIn = Math.min(maxBackoff, interval * 2 ** Math.min(failures - 1, 20));
        options.onError?.(err instanceof Error ? err : new Error(String(err)), { failures, retryIn });
        await clock.sleep(retryIn, signal);
        wait = false;
        continue;
      }
      if (failures > 0) options.onRecover?.(failures);
      failures = 0;
      if (move) yield move;
    }
  } finally {
    await notifications?.return?.();
  }
}
