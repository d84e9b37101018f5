import type { OperationOptions, Store } from '../oci/content/storage.js';
import type { AliasOperation } from './journal.js';

/** One alias change as the policy sees it, before anything moves. */
export interface AliasPolicyChange {
  readonly alias: string;
  readonly operation: AliasOperation;
  /** The caller moves it anyway (`--force`); the policy then says what the history records. */
  readonly force: boolean;
}

/** What `AliasPolicy.copy` did with the source's policy document. */
export type PolicyCopy =
  /** Neither side has one. */
  | 'none'
  /** The target had none and has the source's now. */
  | 'copied'
  /** Both have the same. */
  | 'same'
  /** The target keeps its own, which differs from the source's. */
  | 'kept';

/**
 * The rules of a component's aliases (its stages document, `stages/policy`) as the repository sees
 * them: asked before a plain alias change, and copied with the history by a transfer. The
 * repository knows no stages; `openRepository` gives it the stages layer's policy. An
 * `OcmRepository` built by hand without one (`policy` option) moves aliases without any gate.
 */
export interface AliasPolicy {
  /**
   * Throws (`PolicyError`) when the change is refused; otherwise the details the history records
   * with it (such as `forced`), or undefined.
   */
  check(
    store: Store,
    component: string,
    change: AliasPolicyChange,
    options: OperationOptions,
  ): Promise<Readonly<Record<string, unknown>> | undefined>;
  /** Copies the policy document of `from` into `to` when `to` has none; says what it found. */
  copy?(from: Store, to: Store, options: OperationOptions): Promise<PolicyCopy>;
}
