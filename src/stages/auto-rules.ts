/**
 * The rules of the automatic promoter (`auto.ts`) that read the histories and the plan: whether a
 * stage moved by hand is held, and what a refused plan waits for (a time, new evidence, or only a
 * move of the source stage).
 */
import { NotFoundError } from '../errors.js';
import type { OperationOptions } from '../oci/content/storage.js';
import type { OcmRepository } from '../repository/repository.js';
import { getAliasHistory, type HistoryEntry } from './history/index.js';
import type { StageRule } from './policy/document.js';
import type { GateName } from './policy/errors.js';
import { historySince, type PromotionPlan } from './promote.js';

/** The last move of `stage` that put a version there: its newest event that is not a re-signing. */
export async function lastMove(
  repository: OcmRepository,
  component: string,
  stage: string,
  options: OperationOptions,
): Promise<HistoryEntry | undefined> {
  const entries = await getAliasHistory(repository, component, { alias: stage, limit: 16, ...options });
  // Signing (or replacing) the version a stage holds moves the stage to new content of the same
  // version: not a move by hand.
  return entries.find(
    (e) => !((e.operation === 'sign' || e.operation === 'replace') && e.from?.version === e.to?.version),
  );
}

/**
 * Why the stage is held, or undefined. A stage whose last move was not a promotion (a rollback, a
 * tag, an untag, a transfer, a move around ocm-ts) stays where it was put while the source has held
 * its current digest since before that move. `unordered` is set when the histories cannot order the
 * two moves (one of them was untracked): the caller then holds until it sees the source move.
 */
export async function holdReason(
  at: { target: OcmRepository; source: OcmRepository; component: string; stage: string; from: string },
  sourceDigest: string,
  options: OperationOptions,
): Promise<{ readonly reason: string; readonly unordered: boolean } | undefined> {
  const last = await lastMove(at.target, at.component, at.stage, options);
  if (last === undefined || last.operation === 'promote') return undefined;
  if (last.to?.digest === sourceDigest) return undefined;
  const how =
    last.operation === 'untracked'
      ? `${at.stage} was moved around ocm-ts`
      : `${at.stage} was moved by hand (${last.operation} by ${last.actor} at ${last.time})`;
  const since = await sourceSince(at.source, at.component, at.from, options);
  if (last.time === null || since === undefined)
    return { reason: `${how}; held until ${at.from} moves`, unordered: true };
  if (since.getTime() > Date.parse(last.time)) return undefined;
  return {
    reason: `${how} after ${at.from} took what it holds; held until ${at.from} moves`,
    unordered: false,
  };
}

/** Since when the source stage holds its version (signing there does not restart it), if known. */
async function sourceSince(
  repository: OcmRepository,
  component: string,
  stage: string,
  options: OperationOptions,
): Promise<Date | undefined> {
  try {
    const r = await repository.resolveComponentVersion(component, stage, options);
    return (await historySince(repository, component, stage, r, options)).since;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

const TIMED: readonly GateName[] = ['soak', 'freeze'];
const EVIDENCE: readonly GateName[] = ['checks', 'approvals'];

/**
 * What a refused plan waits for: `at`, the time its timed gates (soak, freeze) pass, and `evidence`
 * when checks or approvals refused. `stuck` when another gate refused (or a soak cannot pass, the
 * source having been moved around ocm-ts): then only a move of the source changes the verdict.
 */
export function waitingFor(
  plan: PromotionPlan,
  stage: StageRule,
): { readonly stuck: boolean; readonly at?: number; readonly evidence: boolean } {
  const refused = plan.gates.filter((g) => g.result === 'refused').map((g) => g.gate);
  if (refused.some((g) => !TIMED.includes(g) && !EVIDENCE.includes(g)))
    return { stuck: true, evidence: false };
  const evidence = refused.some((g) => EVIDENCE.includes(g));
  const now = Date.parse(plan.time);
  const ends: number[] = [];
  if (refused.includes('soak')) {
    if (plan.since === undefined || stage.soak === undefined) return { stuck: true, evidence: false };
    ends.push(Date.parse(plan.since) + stage.soak.ms);
  }
  if (refused.includes('freeze')) {
    const active = stage.freeze.find((w) => w.from.getTime() <= now && now < w.until.getTime());
    if (active !== undefined) ends.push(active.until.getTime());
  }
  return { stuck: false, evidence, ...(ends.length === 0 ? {} : { at: Math.max(...ends) }) };
}
