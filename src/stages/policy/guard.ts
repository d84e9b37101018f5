import type { OperationOptions, Store } from '../../oci/content/storage.js';
import type { AliasPolicy, AliasPolicyChange, PolicyCopy } from '../../repository/policy-hook.js';
import type { OcmRepository } from '../../repository/repository.js';
import { findStage, hasGates } from './document.js';
import { PolicyError } from './errors.js';
import {
  getStagePolicy,
  readStagesDocument,
  type StoredStagesDocument,
  writeStagesDocument,
} from './store.js';

export interface PlainMoveOptions extends OperationOptions {
  /** Move gated stages anyway; the history marks those moves `forced`. Default false. */
  readonly force?: boolean;
}

/**
 * Checks a plain alias move (`ocm tag cv`) against the component's stages document before anything
 * moves: an alias that is a stage with gates is refused (`PolicyError`, exit 3), because only
 * `promote` evaluates gates. With `force` it is allowed, and the returned details (`forced: true` and
 * the document's digest) go with the history event of that alias. Aliases that are not gated
 * stages get no details. One read of `_ocm.stages` for all the aliases.
 */
export async function checkPlainMoves(
  repository: OcmRepository,
  component: string,
  aliases: readonly string[],
  options: PlainMoveOptions = {},
): Promise<Map<string, Record<string, unknown>>> {
  const details = new Map<string, Record<string, unknown>>();
  const doc = await getStagePolicy(repository, component, options.signal ? { signal: options.signal } : {});
  for (const alias of aliases) {
    const forced = checkGated(doc, component, { alias, operation: 'tag', force: options.force === true });
    if (forced) details.set(alias, forced);
  }
  return details;
}

/** `PolicyError` for a change of a gated stage without `force`; with it, the details to record. */
function checkGated(
  doc: StoredStagesDocument | undefined,
  component: string,
  change: AliasPolicyChange,
): Record<string, unknown> | undefined {
  const stage = doc === undefined ? undefined : findStage(doc.policy, change.alias);
  if (doc === undefined || stage === undefined || !hasGates(stage)) return undefined;
  if (!change.force) {
    const what =
      change.operation === 'untag'
        ? 'removing it'
        : change.operation === 'transfer'
          ? 'copying it from a repository under other rules'
          : `a plain ${change.operation}`;
    throw new PolicyError(
      component,
      change.alias,
      `${component}: ${change.alias} is a stage with promotion gates; ${what} would go around them`,
      [],
      {
        hint:
          change.operation === 'untag'
            ? 'a gated stage is left in place; use --force (force: true) to remove it anyway: the history records that it was forced'
            : change.operation === 'transfer'
              ? `the target keeps its own stages document; promote ${change.alias} there, or transfer with --force (recorded as forced)`
              : `promote it through its gates: ocm promote cv REPOSITORY//${component} --to ${change.alias} (or --force to move it anyway; the history records that it was forced)`,
      },
    );
  }
  return { forced: true, policy: doc.digest };
}

/**
 * The stages document as the repository's alias policy (`OcmRepositoryOptions.policy`;
 * `openRepository` sets it): a plain `tag` or `untag` of a gated stage is refused unless forced,
 * and a transfer copies the document with the history.
 */
export class StagesPolicy implements AliasPolicy {
  async check(
    store: Store,
    component: string,
    change: AliasPolicyChange,
    options: OperationOptions,
  ): Promise<Readonly<Record<string, unknown>> | undefined> {
    return checkGated(await readStagesDocument(store, options), component, change);
  }

  async copy(from: Store, to: Store, options: OperationOptions): Promise<PolicyCopy> {
    const source = await readStagesDocument(from, options);
    const target = await readStagesDocument(to, options);
    if (target !== undefined) return target.digest === source?.digest ? 'same' : 'kept';
    if (source === undefined) return 'none';
    await writeStagesDocument(to, source, options);
    return 'copied';
  }
}
