/**
 * The vocabulary of promotion (promote.ts plans and moves; promote-across.ts carries a promotion into
 * another repository): what is asked, what the plan found, what happened.
 */
import type { KeyObject } from 'node:crypto';
import type { OperationOptions } from '../oci/content/storage.js';
import type { AliasChange, OcmRepository } from '../repository/repository.js';
import type { KeyInput } from '../signing/index.js';
import type { StagePoint } from './gates.js';
import type { RepositoryOpener } from './places.js';
import type { GateResult } from './policy/errors.js';

export interface PlanPromotionOptions extends OperationOptions {
  /** The stage to move. */
  readonly to: string;
  /** Take the candidate from this stage (default: the stage's `from`). */
  readonly from?: string;
  /** Take this version as the candidate instead (the `from` gate still checks the source holds it). */
  readonly version?: string;
  /** Move to a lower version on a `forwardOnly` stage. Default false. */
  readonly allowDowngrade?: boolean;
  /** Public keys by signature name; they win over the document's. */
  readonly publicKeys?: Readonly<Record<string, KeyInput>>;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
  /** Signs the promote event (`--key`): the mover is proven, not declared (the `movers` gate). */
  readonly signingKey?: KeyObject;
  /**
   * Opens a repository that a stage names (`repository:` in the stages document, a registry or a
   * CTF path as the CLI names repositories). Needed when the source or the target stage lives in
   * another repository; the caller owns (and closes) what it opens.
   */
  readonly openRepository?: RepositoryOpener;
  /**
   * How this repository is named in the history of another one that a promotion moves a stage in
   * (the CLI passes the reference as given). Default `(unnamed)`.
   */
  readonly name?: string;
}

export type { RepositoryOpener };

export interface PromotionPlan {
  readonly component: string;
  readonly stage: string;
  /** The stage the candidate came from, if it came from one. */
  readonly source?: string;
  /** Where the stage lives, when not in the repository of the stages document (`repository:`). */
  readonly repository?: string;
  /** Where the candidate is, when not in the repository of the stages document. */
  readonly sourceRepository?: string;
  readonly candidate: StagePoint;
  /** What the stage holds now (undefined: it does not exist yet); the move expects it. */
  readonly current?: StagePoint;
  /** When the rule's `from` stage took the candidate, from the history (RFC 3339), if known. */
  readonly since?: string;
  readonly gates: readonly GateResult[];
  /** `unchanged`: the stage holds the candidate already; `ready`: every gate passes; else `refused`. */
  readonly status: 'ready' | 'refused' | 'unchanged';
  /** The time the gates were evaluated at (RFC 3339). */
  readonly time: string;
  /** Digest of the stages document the gates came from. */
  readonly policy: string;
  /**
   * Digest of the stages document of the repository the stage lives in, when it keeps its own: its
   * gates are in `gates` too, marked `rules: 'target'`.
   */
  readonly targetPolicy?: string;
  /** Digests of the evidence envelopes the `checks` and `approvals` gates relied on. */
  readonly evidence?: readonly string[];
}

export interface PromoteOptions extends PlanPromotionOptions {
  /** Move according to this plan (made earlier by `planPromotion`) instead of planning again. */
  readonly plan?: PromotionPlan;
  /** Why (`-m`), kept in the history. */
  readonly message?: string;
  /** Who (`--by`), kept in the history; self-declared. */
  readonly actor?: string;
  /**
   * More for the `promote` event's details (e.g. `auto: true` from the automatic promoter); the
   * gates, policy, evidence, source and evaluation time always win over these.
   */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export interface PromotionResult {
  readonly plan: PromotionPlan;
  /** `promoted`: the stage moved; `unchanged`: it held the candidate already. */
  readonly status: 'promoted' | 'unchanged';
  readonly change?: AliasChange;
  /**
   * Unchanged, and the record where the candidate came from was written now: a promotion into another
   * repository had been cut off after its move.
   */
  readonly recorded?: boolean;
}

/**
 * Since when a stage has held its current digest, as the history tells (an untracked move restarts
 * the clock at the untracked move); `note` says why when that matters.
 */
export type SinceLookup = (
  repository: OcmRepository,
  component: string,
  stage: string,
  current: StagePoint,
  options: OperationOptions,
) => Promise<{ readonly since?: Date; readonly note?: string }>;
