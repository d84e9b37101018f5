import type { OperationOptions, Store } from '../../oci/content/storage.js';
import type {
  AliasJournal,
  AliasMoveContext,
  AliasOperation,
  AliasTarget,
  JournalEntry,
  JournalWrite,
} from '../../repository/journal.js';
import { VERSION } from '../../version.js';
import { beginEntry, copyHistory, DEFAULT_GRACE_MS, foldHistory, readView } from './fold.js';
import { appendEvents, pendingEvents } from './log.js';
import { checkInput } from './model.js';
import { eventsNewestFirst } from './queries.js';

export interface HistoryJournalOptions {
  /** The clock; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Actor when a call passes none. Default `unknown`: the library never guesses who runs it. */
  readonly actor?: string;
  /** Written as `tool`. Default `ocm-ts/<version>`. */
  readonly tool?: string;
  /**
   * On a store without atomic writes, how often a writer folds the pending entries into the head
   * after its move: about once in this many moves (1: after every move; 0: never). Default 8.
   */
  readonly foldEvery?: number;
  /** How long an unfinished entry may still be in flight (docs/history.md). Default 10 minutes. */
  readonly graceMs?: number;
}

/**
 * The alias history as the repository's journal: every alias change becomes one hash-chained event
 * under `_ocm.history` (docs/history.md). Give it to `OcmRepository` (`journal` option);
 * `openRepository` does.
 */
export class HistoryJournal implements AliasJournal {
  readonly #now: () => Date;
  readonly #actor: string;
  readonly #tool: string;
  readonly #foldEvery: number;
  readonly #graceMs: number;

  constructor(options: HistoryJournalOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#actor = options.actor ?? 'unknown';
    this.#tool = options.tool ?? `ocm-ts/${VERSION}`;
    this.#foldEvery = Math.max(0, Math.floor(options.foldEvery ?? 8));
    this.#graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    checkInput({ actor: this.#actor });
  }

  /** The clock this journal stamps events with. */
  now(): Date {
    return this.#now();
  }

  check(input: { message?: string; actor?: string; details?: unknown }): void {
    checkInput(input);
  }

  async record(
    store: Store,
    component: string,
    moves: readonly JournalEntry[],
    context: AliasMoveContext,
  ): Promise<void> {
    if (!context.atomic) {
      const write = await this.begin(store, component, moves, context);
      await write.commit();
      return;
    }
    this.#checkAll(moves, context);
    await appendEvents(store, component, moves, {
      now: this.#now,
      actor: context.actor ?? this.#actor,
      message: context.message,
      tool: this.#tool,
      signingKey: context.signingKey,
      ...(context.signal === undefined ? {} : { signal: context.signal }),
    });
  }

  /**
   * Writes a pending entry for `moves` before they are made (a store without atomic writes). Its
   * `commit` marks the entry done and, about once in `foldEvery` moves, folds the pending entries
   * into the head; neither failure fails the move, which is recorded either way.
   */
  async begin(
    store: Store,
    component: string,
    moves: readonly JournalEntry[],
    context: AliasMoveContext,
  ): Promise<JournalWrite> {
    this.#checkAll(moves, context);
    const events = pendingEvents(moves, {
      now: this.#now,
      actor: context.actor ?? this.#actor,
      message: context.message,
      tool: this.#tool,
      signingKey: context.signingKey,
    });
    const options = context.signal === undefined ? {} : { signal: context.signal };
    const write = await beginEntry(store, events, options);
    const every = this.#foldEvery;
    const fold = every > 0 && Number.parseInt(write.entry.descriptor.digest.slice(-8), 16) % every === 0;
    return {
      commit: async () => {
        try {
          await write.commit(options);
          if (fold) await foldHistory(store, component, { ...options, graceMs: this.#graceMs });
        } catch {
          // The entry is written: the move is recorded, and the next fold or reader resolves it.
        }
      },
      abort: () => write.abort(options),
    };
  }

  #checkAll(moves: readonly JournalEntry[], context: AliasMoveContext): void {
    checkInput({ message: context.message, actor: context.actor });
    for (const m of moves) checkInput({ details: m.details });
  }

  copy(from: Store, to: Store, context: AliasMoveContext): Promise<boolean> {
    // The component name only labels errors here; stores are already the component's.
    return copyHistory(from, to, 'history', context);
  }

  async lastChange(
    store: Store,
    component: string,
    alias: string,
    options: OperationOptions,
  ): Promise<{ to: AliasTarget | null; operation: AliasOperation } | undefined> {
    const view = await readView(store, component, options);
    for await (const event of eventsNewestFirst(store, component, view, options))
      if (event.alias === alias) return { to: event.to, operation: event.operation };
    return undefined;
  }
}
