import type { KeyObject } from 'node:crypto';
import type { OperationOptions, Store } from '../oci/content/storage.js';

/** Where an alias points: a version and the manifest digest that stored it at the time. */
export interface AliasTarget {
  readonly version: string;
  readonly digest: string;
}

/**
 * What caused an alias change (docs/history.md). `promote` and `policy` are written by the stages
 * layer; the repository itself writes `tag`, `untag`, `replace`, `sign`, `transfer` and `rollback`.
 */
export type AliasOperation =
  | 'tag'
  | 'untag'
  | 'promote'
  | 'rollback'
  | 'sign'
  | 'replace'
  | 'transfer'
  | 'policy';

/** One alias change, as the repository hands it to the journal. */
export interface AliasMove {
  readonly alias: string;
  readonly from: AliasTarget | null;
  readonly to: AliasTarget | null;
  readonly operation: AliasOperation;
  /** Extra data kept with the event (gate results of a promotion, `forced`, a transfer's source). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A change of the component's stages document (`_ocm.stages`): recorded without an alias. */
export interface PolicyChange {
  readonly alias: null;
  readonly from: null;
  readonly to: null;
  readonly operation: 'policy';
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * A promotion into a stage that lives in another repository, recorded in the repository the
 * candidate came from (the target records an ordinary `promote` move of its alias). No alias of this
 * repository moves: `details.stage` and `details.repository` say which stage moved, and where.
 */
export interface RemotePromotion {
  readonly alias: null;
  readonly from: AliasTarget | null;
  readonly to: AliasTarget | null;
  readonly operation: 'promote';
  readonly details: Readonly<Record<string, unknown>> & {
    readonly stage: string;
    readonly repository: string;
  };
}

export type JournalEntry = AliasMove | PolicyChange | RemotePromotion;

/** Who made a change and why, as the caller declares it (self-declared, not authenticated). */
export interface AliasMoveContext extends OperationOptions {
  readonly message?: string;
  readonly actor?: string;
  /** The key that signs the events (`--key`): whoever holds its public half can check who moved. */
  readonly signingKey?: KeyObject;
  /**
   * True when the moves and the journal's writes land in one atomic store write (a CTF batch): the
   * journal may then also drop what it supersedes, in the same write.
   */
  readonly atomic: boolean;
}

/** Moves recorded before they are made; see `AliasJournal.begin`. */
export interface JournalWrite {
  /** The moves were made. Does not fail: the record stands either way, and readers resolve it. */
  commit(): Promise<void>;
  /** The moves were certainly not made (refused, or a concurrent writer won the compare-and-swap). */
  abort(): Promise<void>;
}

/**
 * Records alias changes. On a store with atomic writes (a CTF) the repository calls `record` after it
 * moved the aliases, inside the same batch, so the move and its record are one index write or
 * neither happens. Elsewhere it calls `begin` before it moves anything, then `commit` or `abort`: a
 * command cut off at any point leaves a record from which readers tell whether the move happened
 * (docs/history.md). `record` there serves changes already made (a stages document stored, aliases
 * set by a transfer). `copy` brings a history from another repository's store when this one has none
 * (transfer). Implemented in `stages/history`.
 */
export interface AliasJournal {
  record(
    store: Store,
    component: string,
    moves: readonly JournalEntry[],
    context: AliasMoveContext,
  ): Promise<void>;
  begin?(
    store: Store,
    component: string,
    moves: readonly JournalEntry[],
    context: AliasMoveContext,
  ): Promise<JournalWrite>;
  copy?(from: Store, to: Store, context: AliasMoveContext): Promise<boolean>;
  /**
   * The newest recorded change of `alias` (undefined: none), so that a change whose record was lost
   * (an interrupted transfer) can be recorded later.
   */
  lastChange?(
    store: Store,
    component: string,
    alias: string,
    options: OperationOptions,
  ): Promise<{ readonly to: AliasTarget | null; readonly operation: AliasOperation } | undefined>;
  /** Throws when a message, actor or details could not be recorded; called before anything moves. */
  check?(input: JournalOptions & { readonly details?: unknown }): void;
}

/** Options every alias-changing call accepts, for the journal. */
export interface JournalOptions {
  /** Why (`-m`), kept with the history event. */
  readonly message?: string;
  /** Who (`--by`); self-declared. Default: the journal's (`unknown` unless configured). */
  readonly actor?: string;
  /**
   * A private key (ECDSA P-256, Ed25519 or RSA) that signs the history events of this change, so
   * that the move's author is proven, not declared (docs/history.md, Signed moves).
   */
  readonly signingKey?: KeyObject;
}
