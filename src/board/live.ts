import { setMaxListeners } from 'node:events';
import { NotFoundError } from '../errors.js';
import { mapLimit } from '../oci/concurrency.js';
import { canWatch } from '../oci/content/guards.js';
import { isAliasTag } from '../repository/aliases.js';
import type { OcmRepository } from '../repository/index.js';
import type { AliasMove, AliasTarget, WatchClock } from '../stages/watch.js';
import { systemClock, watchAlias } from '../stages/watch.js';
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
  /** A component the board had not shown: the page reads its row. */
  | { readonly type: 'component'; readonly repository: number; readonly component: string }
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
 * registry that is one HEAD per cell per interval; on a CTF, file-system notification. It also looks
 * for what the board has not shown (`discover`): new components, and new aliases of the components
 * it has shown, once per interval (on a CTF, per change of the archive's index).
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
  /** Per repository: the components the board has shown (or announced), once discovery runs there. */
  readonly #shown = new Map<number, Set<string>>();
  /** Per row (`repository\ncomponent`): the stages that live in another repository, and where. */
  readonly #elsewhere = new Map<string, Readonly<Record<string, string>>>();

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
    for (const c of board.components) {
      this.#discover(c.repository).add(c.name);
      if (c.elsewhere) this.#elsewhere.set(`${c.repository}\n${c.name}`, c.elsewhere);
      for (const [alias, cell] of Object.entries(c.stages))
        this.watch(c.repository, c.name, alias, { version: cell.version, digest: cell.digest });
      // A stage elsewhere that is not set there yet: its first move there shows too.
      for (const alias of Object.keys(c.elsewhere ?? {}))
        if (!c.stages[alias] && c.unavailable?.[alias] === undefined)
          this.watch(c.repository, c.name, alias, null);
    }
  }

  /**
   * The components shown in `repository`, starting its discovery on first use. Each round lists the
   * components (a registry's catalog) and the tags of each shown component (one tag list each), so
   * the cost on a registry is one request per component per interval beside the HEADs of the cells.
   * A new component is announced (`component`); a new alias of a shown one is watched from its
   * first look, which announces it as a move from nothing.
   */
  #discover(repository: number): Set<string> {
    let shown = this.#shown.get(repository);
    if (shown) return shown;
    shown = new Set();
    this.#shown.set(repository, shown);
    const known = shown;
    const repo = this.#reader.source(repository).repository;
    const signal = this.#controller.signal;
    const clock = this.#options.clock ?? systemClock;
    const interval = Math.max(1, this.#options.interval ?? 30_000);
    void (async () => {
      let wake: AsyncIterator<void> | undefined;
      try {
        while (!signal.aborted) {
          if (!wake && known.size > 0) {
            // On a CTF every component's store wakes on a change of the one index: any will do.
            const store = repo.ociStore(known.values().next().value!);
            if (canWatch(store))
              wake = store.watch({ pollInterval: interval, signal })[Symbol.asyncIterator]();
          }
          if (wake) {
            if ((await wake.next()).done) return;
          } else await clock.sleep(interval, signal);
          if (signal.aborted) return;
          try {
            await this.#lookAround(repository, known);
          } catch (err) {
            if (signal.aborted) return;
            this.#emit({
              type: 'problem',
              repository,
              component: '',
              alias: '',
              message: `cannot list components: ${(err as Error).message}`,
            });
          }
        }
      } finally {
        await wake?.return?.();
      }
    })();
    return shown;
  }

  async #lookAround(repository: number, known: Set<string>): Promise<void> {
    const repo = this.#reader.source(repository).repository;
    const op = { signal: this.#controller.signal };
    const names = await this.#limit(() => repo.listComponents(op));
    const fresh = names.filter((n) => !known.has(n));
    if (fresh.length > 0) this.#reader.invalidateComponents(repository);
    const old = names.filter((n) => known.has(n));
    for (const component of fresh) {
      known.add(component);
      this.#emit({ type: 'component', repository, component });
    }
    await mapLimit(old, 8, async (component) => {
      const tags = await this.#limit(async () => {
        const all: string[] = [];
        for await (const page of repo.ociStore(component).tags(op)) all.push(...page);
        return all;
      });
      const away = this.#elsewhere.get(`${repository}\n${component}`) ?? {};
      // A tag named like a stage that lives elsewhere is not that stage: it is not watched here.
      for (const alias of tags.filter((t) => isAliasTag(t) && away[t] === undefined))
        if (!this.#watching.has(`${repository}\n${component}\n${alias}`))
          this.watch(repository, component, alias, undefined, true);
    });
  }

  /**
   * Watches one alias of a row, where it lives (the row's repository, or the one its stages document
   * names); `known` (what the board just showed) spares the first look. `initial`: the first look
   * announces where the alias points, as a move from nothing (an alias the board has not shown).
   */
  watch(
    repository: number,
    component: string,
    alias: string,
    known?: AliasTarget | null,
    initial = false,
  ): void {
    const key = `${repository}\n${component}\n${alias}`;
    if (this.#watching.has(key) || this.#controller.signal.aborted) return;
    this.#watching.add(key);
    const where = { repository, component, alias };
    const away = this.#elsewhere.get(`${repository}\n${component}`)?.[alias];
    const signal = this.#controller.signal;
    const watched = (repo: OcmRepository) =>
      watchAlias(repo, component, alias, {
        signal,
        ...(this.#options.interval === undefined ? {} : { interval: this.#options.interval }),
        ...(this.#options.clock === undefined ? {} : { clock: this.#options.clock }),
        ...(known === undefined ? {} : { known }),
        ...(initial ? { initial } : {}),
        limit: this.#limit,
        onError: (err) => this.#emit({ type: 'problem', ...where, message: err.message }),
        onRecover: () => this.#emit({ type: 'recovered', ...where }),
      });
    void (async () => {
      try {
        const repo =
          away === undefined
            ? this.#reader.source(repository).repository
            : await this.#reader.remote(away, { signal });
        for await (const move of watched(repo)) {
          const digest = move.to?.digest ?? null;
          if (this.#last.get(key) === digest) continue;
          this.#last.set(key, digest);
          this.#reader.invalidate(repository, component);
          this.#emit({ type: 'move', ...move, repository });
        }
      } catch (err) {
        // A hand-over archive that does not exist yet: nothing to watch until a move of its row.
        if (!(err instanceof NotFoundError))
          this.#emit({ type: 'problem', ...where, message: (err as Error).message });
      } finally {
        this.#watching.delete(key);
      }
    })();
  }

  /** A move made through the board itself: announced at once, not at the next look. */
  announce(repository: number, move: AliasMove): void {
    this.#discover(repository).add(move.component);
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
