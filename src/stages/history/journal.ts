import type { OperationOptions, Store } from '../../oci/content/storage.js';
import type {
  AliasJournal,
  AliasMoveContext,
  AliasOperation,
  AliasTarget,
  JournalEntry,
} from '../../repository/journal.js';
import { VERSION } from '../../version.js';
import { appendEvents, copyHistory, readHead, walkNewestFirst } from './log.js';
import { checkInput } from './model.js';

export interface HistoryJournalOptions {
  /** The clock; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Actor when a call passes none. Default `unknown`: the library never guesses who runs it. */
  readonly actor?: string;
  /** Written as `tool`. Default `ocm-ts/<version>`. */
  readonly tool?: string;
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

  constructor(options: HistoryJournalOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#actor = options.actor ?? 'unknown';
    this.#tool = options.tool ?? `ocm-ts/${VERSION}`;
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
    checkInput({ message: context.message, actor: context.actor });
    for (const m of moves) checkInput({ details: m.details });
    await appendEvents(store, component, moves, {
      atomic: context.atomic,
      now: this.#now,
      actor: context.actor ?? this.#actor,
      message: context.message,
      tool: this.#tool,
      ...(context.signal === undefined ? {} : { signal: context.signal }),
    });
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
    const head = await readHead(store, component, options);
    if (!head) return undefined;
    for await (const { event } of walkNewestFirst(store, component, head, options))
      if (event.alias === alias) return { to: event.to, operation: event.operation };
    return undefined;
  }
}
