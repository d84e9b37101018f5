import { setMaxListeners } from 'node:events';
import type { AliasMove, AliasTarget, WatchClock } from '../stages/watch.js';
import { watchAlias } from '../stages/watch.js';
import type { BoardReader } from './data.js';
import type { Board } from './model.js';

/** What the page hears on `/api/events`. */
export type LiveEvent =
  | ({ readonly type: 'move'; readonly repository: number } & AliasMove)
  | {
      readonly type: 'problem';
      readonly repository: number;
      readonly component: string;
      readonly alias: string;
      readonly message: string;
    }
  | {
      readonly type: 'recovered';
      readonly repository: number;
      readonly component: string;
      readonly alias: string;
    };

export interface LiveOptions {
  /** Time between looks per alias on a registry (on a CTF: only the polling fallback). Default 30 s. */
  readonly interval?: number;
  readonly clock?: WatchClock;
}

/**
 * Keeps one `watchAlias` per stage cell the board has shown and tells listeners about each move
 * (after dropping the component's row from the reader's cache, so the next read is fresh). On a
 * registry that is one HEAD per cell per interval; on a CTF, file-system notification.
 */
export class LiveBoard {
  readonly #reader: BoardReader;
  readonly #options: LiveOptions;
  readonly #controller = new AbortController();
  readonly #watching = new Set<string>();
  readonly #listeners = new Set<(event: LiveEvent) => void>();
  /** The digest last announced per watched alias, so a move announced by the board is not told twice. */
  readonly #last = new Map<string, string | null>();
  /** Looks in flight at most: a CTF's change wakes every watcher at once. */
  readonly #limit = limiter(8);

  constructor(reader: BoardReader, options: LiveOptions = {}) {
    this.#reader = reader;
    this.#options = options;
    // One signal ends every watch: one listener per watched alias is expected.
    setMaxListeners(0, this.#controller.signal);
  }

  /** Number of aliases watched. */
  get size(): number {
    return this.#watching.size;
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts watching every cell of `board` not watched yet. */
  follow(board: Board): void {
    for (const c of board.components)
      for (const [alias, cell] of Object.entries(c.stages))
        this.watch(c.repository, c.name, alias, { version: cell.version, digest: cell.digest });
  }

  /** Watches one alias; `known` (what the board just showed) spares the first look. */
  watch(repository: number, component: string, alias: string, known?: AliasTarget | null): void {
    const key = `${repository}\n${component}\n${alias}`;
    if (this.#watching.has(key) || this.#controller.signal.aborted) return;
    this.#watching.add(key);
    const where = { repository, component, alias };
    const moves = watchAlias(this.#reader.source(repository).repository, component, alias, {
      signal: this.#controller.signal,
      ...(this.#options.interval === undefined ? {} : { interval: this.#options.interval }),
      ...(this.#options.clock === undefined ? {} : { clock: this.#options.clock }),
      ...(known === undefined ? {} : { known }),
      limit: this.#limit,
      onError: (err) => this.#emit({ type: 'problem', ...where, message: err.message }),
      onRecover: () => this.#emit({ type: 'recovered', ...where }),
    });
    void (async () => {
      try {
        for await (const move of moves) {
          const digest = move.to?.digest ?? null;
          if (this.#last.get(key) === digest) continue;
          this.#last.set(key, digest);
          this.#reader.invalidate(repository, component);
          this.#emit({ type: 'move', ...move, repository });
        }
      } catch (err) {
        this.#emit({ type: 'problem', ...where, message: (err as Error).message });
      } finally {
        this.#watching.delete(key);
      }
    })();
  }

  /** A move made through the board itself: announced at once, not at the next look. */
  announce(repository: number, move: AliasMove): void {
    this.#last.set(`${repository}\n${move.component}\n${move.alias}`, move.to?.digest ?? null);
    this.#reader.invalidate(repository, move.component);
    this.#emit({ type: 'move', ...move, repository });
    this.watch(repository, move.component, move.alias, move.to);
  }

  close(): void {
    this.#controller.abort();
    this.#listeners.clear();
  }

  #emit(event: LiveEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure (a closed response) is its own business.
      }
    }
  }
}

/** Runs at most `n` tasks at once, the others in arrival order. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot to the next waiter, so at most `n` ever run.
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
