/**
 * Promotion into a stage of another repository (docs/stages.md, "Stages in other repositories"):
 * the candidate and every version it references, with their evidence, are copied first (digests
 * unchanged; what the target has is skipped), the stages document follows when the target has none,
 * and the stage's alias moves last, with `expect`, recording `promote` there. Then the repository the
 * candidate came from records where it went. Every step is idempotent: a rerun after a kill -9 at any
 * point copies what is missing, moves the alias if it did not move, and writes the record that is
 * missing, never one twice.
 */
import { type OperationOptions, signalOnly } from '../oci/content/storage.js';
import { ComponentVersionChangedError } from '../repository/errors.js';
import type { AliasChange, OcmRepository } from '../repository/repository.js';
import { transferComponentVersionRecursive } from '../repository/transfer-tree.js';
import { getAliasHistory, type HistoryEvent, remoteStage } from './history/index.js';
import type { StagePlaces } from './places.js';
import { PromotionRequestError } from './policy/errors.js';
import type { PromoteOptions, PromotionPlan } from './promotion.js';

/** How many of the source's newest events are searched for the record of a departure. */
const RECORD_SEARCH = 1000;

/** Whether the plan's stage or candidate lives in another repository than the stages document. */
export function isAcross(plan: PromotionPlan): boolean {
  return plan.repository !== undefined || plan.sourceRepository !== undefined;
}

/**
 * What a `promote` event keeps: the gates as evaluated, and the rules they came from; `extra` (the
 * caller's, e.g. `auto`) never overrides those.
 */
export function promotionDetails(
  plan: PromotionPlan,
  extra: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return {
    ...extra,
    ...(plan.source === undefined ? {} : { source: plan.source }),
    gates: plan.gates.map((g) => ({ ...g })),
    policy: plan.policy,
    ...(plan.targetPolicy === undefined ? {} : { targetPolicy: plan.targetPolicy }),
    evaluated: plan.time,
    ...(plan.evidence === undefined ? {} : { evidence: [...plan.evidence] }),
  };
}

/** Copies, moves and records a ready cross-repository promotion (see the file's comment). */
export async function promoteAcross(
  component: string,
  plan: PromotionPlan,
  options: PromoteOptions,
  places: StagePlaces,
): Promise<AliasChange> {
  const op = signalOnly(options);
  const { source, target, names } = await ends(plan, options, places);
  const found = await source.resolveComponentVersion(component, plan.candidate.version, op);
  if (found.digest !== plan.candidate.digest) {
    throw new ComponentVersionChangedError(
      `${component}:${plan.candidate.version} is ${found.digest} now, not the ${plan.candidate.digest} the gates were evaluated for`,
    );
  }
  const journal = {
    ...op,
    ...(options.message === undefined ? {} : { message: options.message }),
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
  };
  // Both stages in one other repository: a promotion there, with nothing to copy or to tell elsewhere.
  const within = source === target;
  // On a CTF the copy, the document and the move are one write; on a registry the alias moves last.
  const change = await target.batch(async (repo) => {
    if (!within)
      await transferComponentVersionRecursive(source, repo, component, plan.candidate.version, {
        evidence: true,
        ...op,
      });
    if (
      plan.repository !== undefined &&
      (await repo.copyAliasPolicyFrom(places.home, component, op)) === 'copied'
    )
      await repo.recordPolicyChange(
        component,
        { document: plan.policy, details: { source: names.home } },
        journal,
      );
    return repo.addComponentVersionAlias(component, plan.candidate.digest, plan.stage, {
      ...journal,
      expect: plan.current?.digest ?? 'absent',
      operation: 'promote',
      details: { ...promotionDetails(plan, options.details), sourceRepository: names.source },
    });
  }, op);
  if (within) return change;
  await source.recordRemotePromotion(
    component,
    {
      from:
        change.previous === undefined
          ? null
          : { version: change.previous.version, digest: change.previous.digest },
      to: { version: plan.candidate.version, digest: plan.candidate.digest },
      details: { ...promotionDetails(plan, options.details), stage: plan.stage, repository: names.target },
    },
    journal,
  );
  return change;
}

/**
 * For a cross-repository plan that found the stage at its candidate already: when the target's
 * newest event says a promotion put it there and the source has no record of it (a run cut off
 * between the move and that record), writes the record. True when it wrote one.
 */
export async function finishDeparture(
  component: string,
  plan: PromotionPlan,
  options: PromoteOptions,
  places: StagePlaces,
): Promise<boolean> {
  const op = signalOnly(options);
  const { source, target, names } = await ends(plan, options, places);
  if (source === target) return false;
  const [last] = await getAliasHistory(target, component, {
    alias: plan.stage,
    limit: 1,
    reconcile: false,
    ...op,
  });
  if (
    last === undefined ||
    last.operation !== 'promote' ||
    last.to?.digest !== plan.candidate.digest ||
    last.details?.sourceRepository !== names.source
  )
    return false;
  const recorded = await newestDeparture(source, component, plan.stage, names.target, op);
  if (recorded?.to?.digest === plan.candidate.digest) return false;
  const { sourceRepository: _, ...details } = last.details;
  await source.recordRemotePromotion(
    component,
    {
      from: last.from,
      to: last.to,
      details: { ...details, stage: plan.stage, repository: names.target },
    },
    {
      ...op,
      ...(options.actor === undefined ? {} : { actor: options.actor }),
      ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
      message: last.message ?? 'recorded on a rerun: the first run was cut off after the move',
    },
  );
  return true;
}

/** The newest record, in `repository`'s history, of a promotion of `stage` in `elsewhere`. */
async function newestDeparture(
  repository: OcmRepository,
  component: string,
  stage: string,
  elsewhere: string,
  options: OperationOptions,
): Promise<HistoryEvent | undefined> {
  const events = await getAliasHistory(repository, component, {
    limit: RECORD_SEARCH,
    reconcile: false,
    ...options,
  });
  for (const e of events) {
    if (e.operation === 'untracked') continue;
    const remote = remoteStage(e);
    if (remote?.stage === stage && remote.repository === elsewhere) return e;
  }
  return undefined;
}

/** The repositories a plan reads and writes, and how each names the other in its history. */
async function ends(
  plan: PromotionPlan,
  options: PromoteOptions,
  places: StagePlaces,
): Promise<{
  source: OcmRepository;
  target: OcmRepository;
  names: { home: string; source: string; target: string };
}> {
  const op = signalOnly(options);
  const home = options.name ?? '(unnamed)';
  const open = async (reference: string | undefined) => {
    if (reference === undefined) return places.home;
    const place = await places.at(reference, op);
    // Opened with `create` for a move; without it, for a plan, an archive that is not there yet.
    if (place.repository === undefined)
      throw new PromotionRequestError(`${reference} could not be opened for the move`);
    return place.repository;
  };
  return {
    source: await open(plan.sourceRepository),
    target: await open(plan.repository),
    names: { home, source: plan.sourceRepository ?? home, target: plan.repository ?? home },
  };
}
