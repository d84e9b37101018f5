/**
 * The board's seam to the stages layer: ages from the history, column order and feeders from the
 * stages policy, the history timeline, and promotion and rollback through the same functions as the
 * CLI (`planPromotion`, `promote`, `rollbackAlias`). Every move carries `expect`: the page says where
 * it saw the stage, and a page that is stale is refused before anything is planned or moved.
 */
import type { OperationOptions } from '../oci/content/storage.js';
import { AliasConflictError, type AliasInfo, type OcmRepository } from '../repository/index.js';
import { verifyComponentVersion } from '../repository/signing.js';
import { listEvidence, verifyEvidence } from '../stages/evidence/evidence.js';
import { summariseEvidence } from '../stages/evidence/gates.js';
import { readView } from '../stages/history/fold.js';
import { getAliasHistory, rollbackAlias } from '../stages/history/index.js';
import { newestPerAlias } from '../stages/history/queries.js';
import { getStagePolicy, type StageRule, type StoredStagesDocument } from '../stages/policy/index.js';
import { type PromotionPlan, planPromotion, promote } from '../stages/promote.js';
import type { CellEvidence } from './api.js';
import type { BoardStages, MoveRequest, StagesView } from './data.js';

/** Events shown on a component page. */
const HISTORY_LIMIT = 200;

export function boardStages(): BoardStages {
  /** Signature checks by manifest digest and signature name: content under a digest never changes. */
  const verified = new Map<string, Promise<boolean>>();

  const verify = (repository: OcmRepository, component: string, a: AliasInfo, name: string, key: string) => {
    const k = `${a.digest}\n${name}`;
    let pending = verified.get(k);
    if (!pending) {
      pending = verifyComponentVersion(repository, component, a.version!, { name, publicKey: key }).then(
        (r) => r.digest === a.digest,
        () => false,
      );
      verified.set(k, pending);
    }
    return pending;
  };

  return {
    async view(repository, component, aliases, options): Promise<StagesView> {
      const op = signalOnly(options);
      const store = repository.ociStore(component);
      const [states, policy] = await Promise.all([
        readView(store, component, op)
          .then((view) => newestPerAlias(store, component, view, new Set(aliases.map((a) => a.alias)), op))
          .catch(() => ({}) as Awaited<ReturnType<typeof newestPerAlias>>),
        getStagePolicy(repository, component, op).catch(() => undefined),
      ]);
      const since: Record<string, string | null> = {};
      for (const a of aliases) {
        const state = states[a.alias];
        since[a.alias] = state && state.to?.digest === a.digest ? state.time : null;
      }
      if (!policy) return { since };
      const from: Record<string, string> = {};
      const checks: Record<string, boolean> = {};
      for (const stage of policy.policy.stages) {
        if (stage.from !== undefined) from[stage.name] = stage.from;
        const a = aliases.find((x) => x.alias === stage.name);
        if (!a || stage.signatures.length === 0) continue;
        const results = await Promise.all(
          stage.signatures.map((s) =>
            s.publicKey === undefined
              ? Promise.resolve(false)
              : verify(repository, component, a, s.name, s.publicKey),
          ),
        );
        checks[stage.name] = results.every(Boolean);
      }
      const evidence = await evidenceOfStages(repository, component, aliases, policy, op);
      return {
        since,
        policy: { order: policy.policy.stages.map((s) => s.name), from },
        verified: checks,
        evidence,
      };
    },

    history(repository, component, options) {
      return getAliasHistory(repository, component, { limit: HISTORY_LIMIT, ...signalOnly(options) });
    },

    async plan(repository, component, request, options) {
      const plan = await freshPlan(repository, component, request, options);
      return plan;
    },

    async promote(repository, component, request, options) {
      const plan = await freshPlan(repository, component, request, options);
      const result = await promote(repository, component, {
        to: request.stage,
        plan,
        ...(request.message === undefined ? {} : { message: request.message }),
        ...(request.actor === undefined ? {} : { actor: request.actor }),
        ...signalOnly(options),
      });
      if (result.status === 'unchanged') return { status: 'unchanged', moved: false, plan };
      return { status: 'promoted', plan, from: plan.current ?? null, to: plan.candidate };
    },

    async rollback(repository, component, request, options) {
      const result = await rollbackAlias(repository, component, request.stage, {
        expect: request.expect,
        ...(request.message === undefined ? {} : { message: request.message }),
        ...(request.actor === undefined ? {} : { actor: request.actor }),
        ...signalOnly(options),
      });
      return { status: 'rolled back', from: result.from, to: result.to };
    },
  };
}

/**
 * Plans the promotion and refuses it when the stage is no longer where the page saw it
 * (`AliasConflictError`): the promotion then moves with `expect` = the plan's view, so a move made
 * between planning and moving is refused too.
 */
async function freshPlan(
  repository: OcmRepository,
  component: string,
  request: MoveRequest,
  options: OperationOptions,
): Promise<PromotionPlan> {
  const plan = await planPromotion(repository, component, {
    to: request.stage,
    ...(request.version === undefined ? {} : { version: request.version }),
    ...signalOnly(options),
  });
  const current = plan.current;
  const holds =
    request.expect === 'absent'
      ? current === undefined
      : current !== undefined && (current.digest === request.expect || current.version === request.expect);
  if (!holds)
    throw new AliasConflictError(
      component,
      request.stage,
      request.expect,
      current ? `${current.version} (${current.digest})` : 'nothing',
      { hint: 'the page was stale: it shows the stage as it is now; look again before promoting' },
    );
  return plan;
}

/**
 * Per stage, the evidence of the version it holds against the checks and approvals of the stages it
 * feeds (what the version needs to move on), else of its own stage; verified with the document's
 * trust. One listing of the tags per version plus its envelopes (cached by digest where a cache is).
 */
async function evidenceOfStages(
  repository: OcmRepository,
  component: string,
  aliases: readonly AliasInfo[],
  policy: StoredStagesDocument,
  options: OperationOptions,
): Promise<Record<string, CellEvidence[] | null>> {
  const asks = (s: StageRule) => s.checks.length > 0 || s.approvals !== undefined;
  const trust = policy.policy.trust.map((t) => ({ name: t.name, publicKey: t.publicKey }));
  const out: Record<string, CellEvidence[] | null> = {};
  for (const stage of policy.policy.stages) {
    const a = aliases.find((x) => x.alias === stage.name);
    if (!a?.digest) continue;
    const fed = policy.policy.stages.filter((s) => s.from === stage.name && asks(s));
    const rules = fed.length > 0 ? fed : asks(stage) ? [stage] : [];
    if (rules.length === 0) continue;
    try {
      const { items } = await listEvidence(repository, component, a.digest, options);
      const verified = verifyEvidence(items, trust);
      out[stage.name] = rules.map((r) => summariseEvidence(r, verified));
    } catch {
      out[stage.name] = null;
    }
  }
  return out;
}

function signalOnly(options: OperationOptions): OperationOptions {
  return options.signal === undefined ? {} : { signal: options.signal };
}
