import type { OperationOptions } from '../../oci/content/storage.js';
import type { OcmRepository } from '../../repository/repository.js';
import { findStage, hasGates } from './document.js';
import { PolicyError } from './errors.js';
import { getStagePolicy } from './store.js';

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
  if (doc === undefined) return details;
  for (const alias of aliases) {
    const stage = findStage(doc.policy, alias);
    if (stage === undefined || !hasGates(stage)) continue;
    if (!options.force) {
      throw new PolicyError(
        component,
        alias,
        `${component}: ${alias} is a stage with promotion gates; a plain tag would go around them`,
        [],
        {
          hint: `promote it through its gates: ocm promote cv REPOSITORY//${component} --to ${alias} (or --force to move it anyway; the history records that it was forced)`,
        },
      );
    }
    details.set(alias, { forced: true, policy: doc.digest });
  }
  return details;
}
