/**
 * Promotion (README, "Stages and promotion"): take the candidate (what the stage's `from` holds now,
 * or a named version), evaluate every gate of the target stage (`gates.ts`, pure), and when all pass
 * move the target with `expect` = where it was when planned, recording `promote` with the gates'
 * results in the history. A refused gate is a `PolicyError` and nothing changes; a plan that went
 * stale (someone moved the target meanwhile) fails the move with `AliasConflictError`.
 */
import { compareVersions } from '../descriptor/index.js';
import { NotFoundError, OcmError } from '../errors.js';
import { type OperationOptions, signalOnly } from '../oci/content/storage.js';
import { ComponentVersionChangedError } from '../repository/errors.js';
import type { OcmRepository } from '../repository/repository.js';
import { evaluateGates, type StagePoint } from './gates.js';
import { aliasHeldSince, getAliasHistory } from './history/index.js';
import { StagePlaces } from './places.js';
import { findStage, type StageRule } from './policy/document.js';
import { GATES, type GateResult, PolicyError, PromotionRequestError } from './policy/errors.js';
import { getStagePolicy, type StoredStagesDocument } from './policy/store.js';
import { finishDeparture, isAcross, promoteAcross, promotionDetails } from './promote-across.js';
import { checkEvidence, checkMovers, checkReferences, checkSignatures } from './promote-checks.js';
import type {
  PlanPromotionOptions,
  PromoteOptions,
  PromotionPlan,
  PromotionResult,
  SinceLookup,
} from './promotion.js';

export type {
  PlanPromotionOptions,
  PromoteOptions,
  PromotionPlan,
  PromotionResult,
  RepositoryOpener,
  SinceLookup,
} from './promotion.js';

/**
 * Plans a promotion: reads the stages document, the source and target stages (each where it lives),
 * the history and the signatures, then evaluates the gates. A stage in another repository also has
 * its gates there, when that repository keeps a stages document of its own: both must pass.
 * Changes nothing.
 */
export async function planPromotion(
  repository: OcmRepository,
  component: string,
  options: PlanPromotionOptions & {
    readonly sinceLookup?: SinceLookup;
    /** The stages document, when the caller has just read it (`promoteAll`). */
    readonly document?: StoredStagesDocument;
    /** The repositories opened so far (`promote` passes its own, which creates what it moves into). */
    readonly places?: StagePlaces;
  },
): Promise<PromotionPlan> {
  const op = signalOnly(options);
  const now = (options.now ?? (() => new Date()))();
  const places = options.places ?? new StagePlaces(repository, options.openRepository, { create: false });
  const doc = options.document ?? (await getStagePolicy(repository, component, op));
  if (doc === undefined) {
    throw new NotFoundError(`${component} has no stages document`, {
      hint: 'set one with "ocm set stages REPOSITORY//COMPONENT --file stages.yaml"',
    });
  }
  const stage = findStage(doc.policy, options.to);
  if (stage === undefined) {
    throw new NotFoundError(
      `${component}: the stages document names no stage ${options.to} (stages: ${doc.policy.stages.map((s) => s.name).join(', ')})`,
    );
  }
  const sourceStage = options.from ?? (options.version === undefined ? stage.from : undefined);
  if (sourceStage === undefined && options.version === undefined) {
    throw new PromotionRequestError(
      `${component}: stage ${stage.name} has no from stage; name the version to promote`,
      { hint: 'pass --version VERSION or --from STAGE' },
    );
  }
  const ruleSource = stage.from ?? sourceStage;
  const [target, ruleSourcePlace, namedSourcePlace] = await Promise.all([
    places.of(doc.policy, stage.name, op),
    ruleSource === undefined ? undefined : places.of(doc.policy, ruleSource, op),
    sourceStage !== undefined && sourceStage !== ruleSource
      ? places.of(doc.policy, sourceStage, op)
      : undefined,
  ]);
  const [current, ruleSourcePoint, namedSource] = await Promise.all([
    aliasPoint(target.repository, component, stage.name, op),
    ruleSource === undefined ? undefined : aliasPoint(ruleSourcePlace!.repository, component, ruleSource, op),
    namedSourcePlace === undefined
      ? undefined
      : aliasPoint(namedSourcePlace.repository, component, sourceStage!, op),
  ]);
  const sourcePoint = sourceStage === ruleSource ? ruleSourcePoint : namedSource;
  // The candidate is read, and its evidence, signatures and references judged, where it is now.
  const candidatePlace = (sourceStage === ruleSource ? ruleSourcePlace : namedSourcePlace) ??
    ruleSourcePlace ?? { repository };
  const candidateIn = candidatePlace.repository;
  if (candidateIn === undefined) {
    throw new NotFoundError(`${component}: ${candidatePlace.reference} does not exist`, {
      hint: `the candidate is taken from ${sourceStage ?? 'it'}, which lives there`,
    });
  }

  let candidate: StagePoint | undefined;
  if (options.version !== undefined) {
    const resolved = await candidateIn.resolveComponentVersion(component, options.version, op);
    if (resolved.kind !== 'version') {
      throw new PromotionRequestError(
        `${component}: --version takes a version, and ${options.version} is an alias`,
        { hint: `promote from a stage with --from ${options.version}` },
      );
    }
    candidate = { version: resolved.version, digest: resolved.digest };
  } else {
    candidate = sourcePoint;
  }
  if (candidate === undefined) {
    const gate: GateResult = {
      gate: 'from',
      result: 'refused',
      detail: `${sourceStage} holds no version (the alias does not exist)`,
    };
    throw new PolicyError(component, stage.name, refusal(component, stage.name, [gate]), [gate], {
      hint: `set ${sourceStage} first`,
    });
  }

  const judged = await judgeRule(component, doc, stage, {
    candidate,
    candidateIn,
    ...(current === undefined ? {} : { current }),
    ...(sourceStage === undefined ? {} : { sourceStage }),
    ...(ruleSource === undefined ? {} : { ruleSource }),
    ...(ruleSourcePoint === undefined ? {} : { ruleSourcePoint }),
    ...(ruleSourcePlace?.repository === undefined ? {} : { ruleSourceIn: ruleSourcePlace.repository }),
    now,
    options,
  });
  const gates = [...judged.gates];
  // The envelopes the evidence gates relied on, of both documents' rules.
  let relied = judged.evidence === undefined ? undefined : new Set(judged.evidence);
  // The target's own rules, when it keeps other ones than these: the stricter wins, as both must pass.
  let targetPolicy: string | undefined;
  if (target.reference !== undefined && target.repository !== undefined) {
    const own = await getStagePolicy(target.repository, component, op);
    const rule = own && own.digest !== doc.digest ? findStage(own.policy, stage.name) : undefined;
    if (own && rule) {
      targetPolicy = own.digest;
      const from = rule.from === undefined ? undefined : await places.of(own.policy, rule.from, op, target);
      const fromPoint =
        rule.from === undefined ? undefined : await aliasPoint(from!.repository, component, rule.from, op);
      const theirs = await judgeRule(component, own, rule, {
        candidate,
        candidateIn,
        ...(current === undefined ? {} : { current }),
        ...(rule.from === undefined ? {} : { ruleSource: rule.from }),
        ...(fromPoint === undefined ? {} : { ruleSourcePoint: fromPoint }),
        ...(from?.repository === undefined ? {} : { ruleSourceIn: from.repository }),
        now,
        options,
      });
      gates.push(...theirs.gates.map((g) => ({ ...g, rules: 'target' as const })));
      if (theirs.evidence !== undefined) relied = new Set([...(relied ?? []), ...theirs.evidence]);
    }
  }
  const status =
    current?.digest === candidate.digest
      ? 'unchanged'
      : gates.every((g) => g.result === 'pass')
        ? 'ready'
        : 'refused';
  return {
    component,
    stage: stage.name,
    ...(sourceStage === undefined ? {} : { source: sourceStage }),
    ...(target.reference === undefined ? {} : { repository: target.reference }),
    ...(candidatePlace.reference === undefined ? {} : { sourceRepository: candidatePlace.reference }),
    candidate,
    ...(current === undefined ? {} : { current }),
    ...(judged.since === undefined ? {} : { since: judged.since.toISOString() }),
    gates,
    status,
    time: now.toISOString(),
    policy: doc.digest,
    ...(targetPolicy === undefined ? {} : { targetPolicy }),
    ...(relied === undefined ? {} : { evidence: [...relied] }),
  };
}

/**
 * Every gate of one stage rule for `candidate`: the `from` stage and its soak where that stage lives,
 * the evidence, signatures and references where the candidate is, the movers of both stages.
 */
async function judgeRule(
  component: string,
  doc: StoredStagesDocument,
  stage: StageRule,
  at: {
    readonly candidate: StagePoint;
    readonly candidateIn: OcmRepository;
    readonly current?: StagePoint;
    /** The stage the candidate was taken from, as asked (`--from`, else the rule's). */
    readonly sourceStage?: string;
    /** The rule's `from` (else `sourceStage`), what it holds and where it lives. */
    readonly ruleSource?: string;
    readonly ruleSourcePoint?: StagePoint;
    readonly ruleSourceIn?: OcmRepository;
    readonly now: Date;
    readonly options: PlanPromotionOptions & { readonly sinceLookup?: SinceLookup };
  },
): Promise<{ gates: GateResult[]; since?: Date; evidence?: readonly string[] }> {
  const { candidate, candidateIn, ruleSource, ruleSourcePoint, ruleSourceIn, options } = at;
  const op = signalOnly(options);
  const since =
    stage.soak !== undefined && ruleSourcePoint !== undefined && ruleSourceIn !== undefined
      ? await (options.sinceLookup ?? historySince)(ruleSourceIn, component, ruleSource!, ruleSourcePoint, op)
      : {};
  const signatures = await checkSignatures(candidateIn, component, stage, candidate, options);
  const references =
    stage.references === undefined ? undefined : await checkReferences(candidateIn, component, candidate, op);
  const evidence =
    stage.checks.length > 0 || stage.approvals !== undefined
      ? await checkEvidence(candidateIn, component, doc, stage, candidate, op)
      : undefined;
  const movers = await checkMovers(ruleSourceIn ?? candidateIn, component, doc.policy, stage, {
    ...(ruleSource === undefined ? {} : { source: ruleSource }),
    ...(ruleSourcePoint === undefined ? {} : { sourcePoint: ruleSourcePoint }),
    ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
    op,
  });
  const evaluated = evaluateGates({
    stage,
    ...(at.sourceStage === undefined ? {} : { sourceStage: at.sourceStage }),
    ...(stage.from !== undefined && ruleSourcePoint !== undefined ? { source: ruleSourcePoint } : {}),
    ...(since.since === undefined ? {} : { sourceSince: since.since }),
    ...(since.note === undefined ? {} : { sinceNote: since.note }),
    candidate,
    ...(at.current === undefined ? {} : { current: at.current }),
    now: at.now,
    signatures,
    ...(references === undefined ? {} : { references }),
    allowDowngrade: options.allowDowngrade === true,
    ...(evidence === undefined ? {} : { evidence: evidence.gates }),
  });
  const gates = [...evaluated, ...movers].sort((a, b) => GATES.indexOf(a.gate) - GATES.indexOf(b.gate));
  return {
    gates,
    ...(since.since === undefined ? {} : { since: since.since }),
    ...(evidence === undefined ? {} : { evidence: evidence.relied }),
  };
}

/**
 * Plans (or takes `options.plan`) and, when every gate passes, moves the stage to the candidate with
 * `expect` = where the plan saw it. Refused: `PolicyError`, nothing written. Stale plan:
 * `AliasConflictError`, nothing written. The candidate version changed since planning (re-signed,
 * replaced): `ComponentVersionChangedError`, nothing written.
 */
export async function promote(
  repository: OcmRepository,
  component: string,
  options: PromoteOptions & { readonly sinceLookup?: SinceLookup },
): Promise<PromotionResult> {
  // What the move writes into is created if missing (a hand-over archive); a plan only reads.
  const places = new StagePlaces(repository, options.openRepository, { create: true });
  const plan = options.plan ?? (await planPromotion(repository, component, { ...options, places }));
  if (plan.status === 'refused') {
    const refused = plan.gates.filter((g) => g.result === 'refused');
    throw new PolicyError(component, plan.stage, refusal(component, plan.stage, refused), refused, {
      hint: 'ocm promote --dry-run shows every gate; nothing was changed',
    });
  }
  if (plan.status === 'unchanged') {
    // A rerun after a run cut off between the move and the record where the candidate came from.
    const recorded = isAcross(plan) && (await finishDeparture(component, plan, options, places));
    return { plan, status: 'unchanged', ...(recorded ? { recorded } : {}) };
  }
  if (isAcross(plan))
    return { plan, status: 'promoted', change: await promoteAcross(component, plan, options, places) };
  const op = signalOnly(options);
  const change = await repository.batch(async (repo) => {
    // The gates were evaluated for this digest: refuse to move to anything else.
    const now = await repo.resolveComponentVersion(component, plan.candidate.version, op);
    if (now.digest !== plan.candidate.digest) {
      throw new ComponentVersionChangedError(
        `${component}:${plan.candidate.version} is ${now.digest} now, not the ${plan.candidate.digest} the gates were evaluated for`,
      );
    }
    return repo.addComponentVersionAlias(component, plan.candidate.digest, plan.stage, {
      expect: plan.current?.digest ?? 'absent',
      operation: 'promote',
      details: promotionDetails(plan, options.details),
      ...(options.message === undefined ? {} : { message: options.message }),
      ...(options.actor === undefined ? {} : { actor: options.actor }),
      ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
      ...op,
    });
  }, op);
  return { plan, status: 'promoted', change };
}

/** One sentence naming the refused gates. */
function refusal(component: string, stage: string, refused: readonly GateResult[]): string {
  const what = refused
    .map((g) => `${g.gate}${g.signature === undefined ? '' : ` ${g.signature}`}: ${g.detail}`)
    .join('; ');
  return `${component}: promotion to ${stage} refused (${what})`;
}

/**
 * The history's answer (`aliasHeldSince`): the time of the event that gave the stage its current
 * digest. After an untracked move (the stage moved around ocm-ts) there is no such time: the clock
 * restarts, and the soak cannot pass until the stage is moved through ocm-ts.
 */
export const historySince: SinceLookup = async (repository, component, stage, current, options) => {
  const held = await aliasHeldSince(repository, component, stage, options);
  if (held.target?.digest !== current.digest) return { note: `${stage} moved while the plan was made` };
  if (held.since === null) {
    return {
      note: held.untracked
        ? `${stage} was moved around ocm-ts (an untracked move), which restarts the clock`
        : 'the history has no event for it',
    };
  }
  if (held.event?.operation !== 'sign') return { since: new Date(held.since) };
  // Signing gives the version a new manifest digest and moves the stage along: the version has been
  // in the stage since the move that brought it, not since it was signed.
  const events = await getAliasHistory(repository, component, {
    alias: stage,
    limit: 64,
    reconcile: false,
    ...options,
  });
  let since = held.since;
  for (const e of events) {
    if (e.operation === 'untracked' || e.to?.version !== current.version) break;
    since = e.time;
    if (e.operation !== 'sign' || e.from?.version !== current.version) break;
  }
  return {
    since: new Date(since),
    note: 'signed while there: the clock counts from the move that brought it',
  };
};

async function aliasPoint(
  repository: OcmRepository | undefined,
  component: string,
  alias: string,
  options: OperationOptions,
): Promise<StagePoint | undefined> {
  if (repository === undefined) return undefined;
  try {
    const r = await repository.resolveComponentVersion(component, alias, options);
    // A stage is a stored alias; a computed `latest` or a version of that name is not a stage's content.
    return r.kind === 'alias' ? { version: r.version, digest: r.digest } : undefined;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

export interface PromoteAllOptions extends Omit<PromoteOptions, 'plan' | 'version'> {
  /** Plan only. Default false. */
  readonly dryRun?: boolean;
  readonly sinceLookup?: SinceLookup;
  /** Components to consider. Default: every component of the repository (`listComponents`). */
  readonly components?: readonly string[];
}

/**
 * What happened to one component of `promoteAll`:
 * - `promoted` (or `planned` on a dry run): every gate passed;
 * - `refused`: a gate refused, nothing changed;
 * - `up to date`: the stage holds what its source holds, or is ahead of it;
 * - `skipped`: no stages document, no such stage, no source stage or nothing in it;
 * - `failed`: an error other than a gate's (a concurrent move, the registry), in `error`.
 */
export interface PromotionOutcome {
  readonly component: string;
  readonly stage: string;
  readonly outcome: 'promoted' | 'planned' | 'refused' | 'up to date' | 'skipped' | 'failed';
  readonly detail: string;
  readonly plan?: PromotionPlan;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Promotes `options.to` on every component whose source stage is ahead of it, each on its own:
 * one component's refusal or failure never stops the others. Outcomes in component order.
 */
export async function promoteAll(
  repository: OcmRepository,
  options: PromoteAllOptions,
): Promise<PromotionOutcome[]> {
  const op = signalOnly(options);
  const components = options.components ?? (await repository.listComponents(op));
  const outcomes: PromotionOutcome[] = [];
  for (const component of components) {
    const base = { component, stage: options.to };
    let plan: PromotionPlan;
    try {
      const doc = await getStagePolicy(repository, component, op);
      const stage = doc && findStage(doc.policy, options.to);
      if (!doc || !stage) {
        outcomes.push({
          ...base,
          outcome: 'skipped',
          detail: doc ? `no stage ${options.to}` : 'no stages document',
        });
        continue;
      }
      if ((options.from ?? stage.from) === undefined) {
        outcomes.push({ ...base, outcome: 'skipped', detail: `${options.to} has no from stage` });
        continue;
      }
      plan = await planPromotion(repository, component, { ...options, document: doc });
    } catch (err) {
      if (err instanceof PolicyError && err.refused.some((g) => g.gate === 'from')) {
        outcomes.push({ ...base, outcome: 'skipped', detail: err.refused[0]!.detail });
      } else outcomes.push(failed(base, err));
      continue;
    }
    if (plan.status === 'unchanged') {
      outcomes.push({
        ...base,
        outcome: 'up to date',
        detail: `${plan.stage} holds ${plan.candidate.version}`,
        plan,
      });
      continue;
    }
    if (plan.current !== undefined && compareVersions(plan.candidate.version, plan.current.version) < 0) {
      outcomes.push({
        ...base,
        outcome: 'up to date',
        detail: `${plan.stage} (${plan.current.version}) is ahead of ${plan.source} (${plan.candidate.version})`,
        plan,
      });
      continue;
    }
    const refused = plan.gates.filter((g) => g.result === 'refused');
    if (plan.status === 'refused') {
      outcomes.push({
        ...base,
        outcome: 'refused',
        detail: refused.map((g) => `${g.gate}: ${g.detail}`).join('; '),
        plan,
      });
      continue;
    }
    if (options.dryRun) {
      outcomes.push({
        ...base,
        outcome: 'planned',
        detail: `${plan.stage} -> ${plan.candidate.version}`,
        plan,
      });
      continue;
    }
    try {
      const result = await promote(repository, component, { ...options, plan });
      outcomes.push({
        ...base,
        outcome: 'promoted',
        detail: `${plan.stage} ${plan.current?.version ?? '(new)'} -> ${result.plan.candidate.version}`,
        plan,
      });
    } catch (err) {
      outcomes.push({ ...failed(base, err), plan });
    }
  }
  return outcomes;
}

function failed(base: { component: string; stage: string }, err: unknown): PromotionOutcome {
  if (!(err instanceof OcmError)) throw err;
  return { ...base, outcome: 'failed', detail: err.message, error: { code: err.code, message: err.message } };
}
