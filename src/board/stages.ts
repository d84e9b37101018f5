/**
 * The board's seam to the stages layer: ages from the history, column order and feeders from the
 * stages policy, the history timeline, and promotion and rollback through the same functions as the
 * CLI (`planPromotion`, `promote`, `rollbackAlias`). Every move carries `expect`: the page says where
 * it saw the stage, and a page that is stale is refused before anything is planned or moved.
 */

import { loadVerifyingKey, type TrustedKey } from '../attestation/index.js';
import { NotFoundError } from '../errors.js';
import { type OperationOptions, signalOnly } from '../oci/content/storage.js';
import { AliasConflictError, type AliasInfo, type OcmRepository } from '../repository/index.js';
import { verifyComponentVersion } from '../repository/signing.js';
import { listEvidence, type VerifiedEvidenceItem, verifyEvidence } from '../stages/evidence/evidence.js';
import { summariseEvidence } from '../stages/evidence/gates.js';
import { readView } from '../stages/history/fold.js';
import type { HistoryEvent } from '../stages/history/index.js';
import { getAliasHistory, rollbackAlias } from '../stages/history/index.js';
import { eventsNewestFirst } from '../stages/history/queries.js';
import { verifyEvent } from '../stages/history/signed.js';
import {
  findStage,
  getStagePolicy,
  type StageRule,
  type StoredStagesDocument,
} from '../stages/policy/index.js';
import { type PromotionPlan, planPromotion, promote } from '../stages/promote.js';
import type { CellEvidence, CellMove, EvidenceEntry, VersionEvidence } from './api.js';
import type { BoardStages, MoveRequest, RemoteStage, StageOpener, StagesView } from './data.js';
import { BoardUnavailableError } from './errors.js';

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
    async view(repository, component, aliases, options, open): Promise<StagesView> {
      const op = signalOnly(options);
      const [here, policy] = await Promise.all([
        movesOf(repository, component, aliases, op),
        getStagePolicy(repository, component, op).catch(() => undefined),
      ]);
      const { since, events } = here;
      if (!policy) return { since };
      const elsewhere = await remoteStages(policy, component, open, op);
      /** Where each stage of the policy is read, and what it holds there. */
      const points = new Map<string, { repository: OcmRepository; alias: AliasInfo }>();
      for (const stage of policy.policy.stages) {
        const away = elsewhere[stage.name];
        if (away?.alias && away.repository)
          points.set(stage.name, { repository: away.repository, alias: away.alias });
        const a = aliases.find((x) => x.alias === stage.name);
        if (!away && a) points.set(stage.name, { repository, alias: a });
      }
      await Promise.all(
        Object.values(elsewhere).map(async (r) => {
          if (!r.alias || !r.repository) return;
          const there = await movesOf(r.repository, component, [r.alias], op);
          since[r.alias.alias] = there.since[r.alias.alias] ?? null;
          const event = there.events[r.alias.alias];
          if (event) events[r.alias.alias] = event;
          else delete events[r.alias.alias];
        }),
      );
      const from: Record<string, string> = {};
      const checks: Record<string, boolean> = {};
      for (const stage of policy.policy.stages) {
        if (stage.from !== undefined) from[stage.name] = stage.from;
        const p = points.get(stage.name);
        if (!p || stage.signatures.length === 0) continue;
        const results = await Promise.all(
          stage.signatures.map((s) =>
            s.publicKey === undefined
              ? Promise.resolve(false)
              : verify(p.repository, component, p.alias, s.name, s.publicKey),
          ),
        );
        checks[stage.name] = results.every(Boolean);
      }
      const evidence = await evidenceOfStages(component, points, policy, op);
      const trusted = trustedKeys(policy);
      const moves: Record<string, CellMove> = {};
      for (const stage of policy.policy.stages) {
        if (!points.has(stage.name)) continue;
        const move = moveOf(stage, events[stage.name], trusted);
        if (move) moves[stage.name] = move;
      }
      return {
        since,
        policy: { order: policy.policy.stages.map((s) => s.name), from },
        verified: checks,
        evidence,
        moves,
        ...(Object.keys(elsewhere).length ? { elsewhere } : {}),
      };
    },

    history(repository, component, options) {
      return getAliasHistory(repository, component, { limit: HISTORY_LIMIT, ...signalOnly(options) });
    },

    async evidence(repository, component, versions, options) {
      const op = signalOnly(options);
      const policy = await getStagePolicy(repository, component, op).catch(() => undefined);
      const trust = (policy?.policy.trust ?? []).map((t) => ({ name: t.name, publicKey: t.publicKey }));
      return Promise.all(
        versions.map(async (v): Promise<VersionEvidence> => {
          const base = { version: v.version, digest: v.digest, stages: v.stages };
          if (v.problem !== undefined) return { ...base, items: [], problem: v.problem };
          try {
            const { items } = await listEvidence(v.from ?? repository, component, v.digest, op);
            return { ...base, items: verifyEvidence(items, trust).map(evidenceEntry) };
          } catch (err) {
            if (op.signal?.aborted) throw err;
            return { ...base, items: [], problem: (err as Error).message };
          }
        }),
      );
    },

    async plan(repository, component, request, options, open) {
      const plan = await freshPlan(repository, component, request, options, open);
      return plan;
    },

    async promote(repository, component, request, options, open) {
      const plan = await freshPlan(repository, component, request, options, open);
      const result = await promote(repository, component, {
        to: request.stage,
        plan,
        ...(open === undefined ? {} : { openRepository: open }),
        ...(request.message === undefined ? {} : { message: request.message }),
        ...(request.actor === undefined ? {} : { actor: request.actor }),
        ...signalOnly(options),
      });
      if (result.status === 'unchanged') return { status: 'unchanged', moved: false, plan };
      return { status: 'promoted', plan, from: plan.current ?? null, to: plan.candidate };
    },

    async rollback(repository, component, request, options, open) {
      // A stage that lives elsewhere is rolled back where it lives (its history is there).
      const policy = await getStagePolicy(repository, component, signalOnly(options)).catch(() => undefined);
      const where = policy === undefined ? undefined : findStage(policy.policy, request.stage)?.repository;
      if (where !== undefined && open === undefined)
        throw new BoardUnavailableError(
          `${request.stage} lives in ${shownReference(where)}, which this board does not open`,
        );
      const target = where === undefined ? repository : await open!(where, signalOnly(options));
      const result = await rollbackAlias(target, component, request.stage, {
        expect: request.expect,
        ...(request.message === undefined ? {} : { message: request.message }),
        ...(request.actor === undefined ? {} : { actor: request.actor }),
        ...signalOnly(options),
      });
      return { status: 'rolled back', from: result.from, to: result.to };
    },
  };
}

/** An evidence envelope as the component page lists it (the columns of `get evidence`). */
function evidenceEntry(i: VerifiedEvidenceItem): EvidenceEntry {
  return {
    type: i.kind,
    ...(i.kind === 'other'
      ? i.predicateType === undefined
        ? {}
        : { name: i.predicateType }
      : i.name === undefined
        ? {}
        : { name: i.name }),
    ...(i.stage === undefined ? {} : { stage: i.stage }),
    ...(i.result === undefined ? {} : { result: String(i.result) }),
    signer: i.signer ?? null,
    verified: i.verified,
    ...(i.time === undefined ? {} : { time: i.time }),
    ...(i.problem === undefined ? {} : { problem: i.problem }),
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
  open: StageOpener | undefined,
): Promise<PromotionPlan> {
  const plan = await planPromotion(repository, component, {
    to: request.stage,
    ...(open === undefined ? {} : { openRepository: open }),
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
  component: string,
  points: ReadonlyMap<string, { readonly repository: OcmRepository; readonly alias: AliasInfo }>,
  policy: StoredStagesDocument,
  options: OperationOptions,
): Promise<Record<string, CellEvidence[] | null>> {
  const asks = (s: StageRule) => s.checks.length > 0 || s.approvals !== undefined;
  const trust = policy.policy.trust.map((t) => ({ name: t.name, publicKey: t.publicKey }));
  const out: Record<string, CellEvidence[] | null> = {};
  for (const stage of policy.policy.stages) {
    const point = points.get(stage.name);
    const a = point?.alias;
    if (!point || !a?.digest) continue;
    const fed = policy.policy.stages.filter((s) => s.from === stage.name && asks(s));
    const rules = fed.length > 0 ? fed : asks(stage) ? [stage] : [];
    if (rules.length === 0) continue;
    try {
      const { items } = await listEvidence(point.repository, component, a.digest, options);
      const verified = verifyEvidence(items, trust);
      out[stage.name] = rules.map((r) => summariseEvidence(r, verified));
    } catch {
      out[stage.name] = null;
    }
  }
  return out;
}

/**
 * From the history of `repository`: per alias, the event that gave it its current digest (absent when
 * the history does not explain it: no history, or an untracked move) and since when (null: untold).
 */
async function movesOf(
  repository: OcmRepository,
  component: string,
  aliases: readonly AliasInfo[],
  op: OperationOptions,
): Promise<{ since: Record<string, string | null>; events: Record<string, HistoryEvent> }> {
  const store = repository.ociStore(component);
  const newest: Record<string, HistoryEvent> = {};
  let missing = new Set(aliases.map((a) => a.alias)).size;
  try {
    const view = await readView(store, component, op);
    for await (const e of eventsNewestFirst(store, component, view, op)) {
      if (e.alias === null || e.alias in newest || !aliases.some((a) => a.alias === e.alias)) continue;
      newest[e.alias] = e;
      if (--missing <= 0) break;
    }
  } catch {
    // No history, or one that cannot be read: nothing is explained.
  }
  const since: Record<string, string | null> = {};
  const events: Record<string, HistoryEvent> = {};
  for (const a of aliases) {
    const e = newest[a.alias];
    const explains = e !== undefined && e.to?.digest === a.digest;
    since[a.alias] = explains ? e.time : null;
    if (explains) events[a.alias] = e;
  }
  return { since, events };
}

/** The stages document's `trust`, as keys for checking signed moves (a key that does not load is left out). */
function trustedKeys(policy: StoredStagesDocument): TrustedKey[] {
  return policy.policy.trust.flatMap((t) => {
    try {
      return [{ name: t.name, key: loadVerifyingKey(t.publicKey) }];
    } catch {
      return [];
    }
  });
}

/**
 * Whether the move that put a stage where it is was signed by a trusted key, and, for a stage with
 * `movers`, by one of them (as `get history` and the movers gate tell). Undefined for an unsigned move
 * of a stage without movers: nothing to say.
 */
function moveOf(
  stage: StageRule,
  event: HistoryEvent | undefined,
  trusted: readonly TrustedKey[],
): CellMove | undefined {
  const movers = stage.movers;
  const who = event === undefined ? undefined : verifyEvent(event, trusted);
  if (movers === undefined && (who === undefined || who === '-')) return undefined;
  const need = movers === undefined ? '' : `; its moves must be signed by ${movers.join(', ')}`;
  if (event === undefined || who === undefined)
    return { signer: null, verified: false, detail: `no recorded move put it there${need}` };
  if (who === '-')
    return { signer: null, verified: false, detail: `moved there unsigned (by ${event.actor})${need}` };
  if (who === 'unknown key' || who === 'bad signature')
    return {
      signer: null,
      verified: false,
      detail: `moved there with ${who === 'unknown key' ? 'a key not trusted' : 'a bad signature'}${need}`,
    };
  if (movers !== undefined && !movers.includes(who))
    return {
      signer: who,
      verified: false,
      detail: `moved there by ${who} (signed), who is not one of its movers${need}`,
    };
  return { signer: who, verified: true, detail: `moved there by ${who} (signed, verified)` };
}

/**
 * The stages of the policy that live in another repository, each read there: what it holds (absent
 * when it is not set there), or why it could not be read (never thrown: the board shows it).
 */
async function remoteStages(
  policy: StoredStagesDocument,
  component: string,
  open: StageOpener | undefined,
  op: OperationOptions,
): Promise<Record<string, RemoteStage>> {
  const out: Record<string, RemoteStage> = {};
  await Promise.all(
    policy.policy.stages.map(async (stage) => {
      if (stage.repository === undefined) return;
      const reference = shownReference(stage.repository);
      let repository: OcmRepository | undefined;
      try {
        if (!open) throw new Error('this board opens no repositories beyond its own');
        repository = await open(stage.repository, op);
        const r = await repository.resolveComponentVersion(component, stage.name, op);
        out[stage.name] = {
          reference,
          repository,
          alias: { alias: stage.name, version: r.version, digest: r.digest },
        };
      } catch (err) {
        if (op.signal?.aborted) throw err;
        // Not set there, or a hand-over archive that does not exist yet: the stage holds nothing.
        out[stage.name] =
          err instanceof NotFoundError
            ? { reference, ...(repository ? { repository } : {}) }
            : { reference, ...(repository ? { repository } : {}), problem: (err as Error).message };
      }
    }),
  );
  return out;
}

/** A repository reference as the board shows it: credentials in it (refused anyway) masked. */
function shownReference(reference: string): string {
  return reference.replace(/^((?:[A-Za-z]+::)?(?:[A-Za-z]+:\/\/)?)[^/@:]*:[^/@]*@/, '$1***@');
}
