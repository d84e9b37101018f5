/**
 * Promotion (README, "Stages and promotion"): take the candidate (what the stage's `from` holds now,
 * or a named version), evaluate every gate of the target stage (`gates.ts`, pure), and when all pass
 * move the target with `expect` = where it was when planned, recording `promote` with the gates'
 * results in the history. A refused gate is a `PolicyError` and nothing changes; a plan that went
 * stale (someone moved the target meanwhile) fails the move with `AliasConflictError`.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyId, loadVerifyingKey } from '../attestation/index.js';
import { compareVersions } from '../descriptor/index.js';
import { NotFoundError, OcmError } from '../errors.js';
import type { OperationOptions } from '../oci/content/storage.js';
import { ComponentVersionChangedError } from '../repository/errors.js';
import { RepositoryListResolver, walkReferences } from '../repository/references.js';
import type { AliasChange, OcmRepository } from '../repository/repository.js';
import { checkComponentVersion, verifyComponentVersion } from '../repository/signing.js';
import type { KeyInput } from '../signing/index.js';
import { evidenceSubject, listEvidence, verifyEvidence } from './evidence/evidence.js';
import { type EvidenceGates, evaluateEvidenceGates } from './evidence/gates.js';
import { evaluateGates, type SignatureCheck, type StagePoint } from './gates.js';
import { aliasHeldSince, getAliasHistory } from './history/index.js';
import { verifyEvent } from './history/signed.js';
import { findStage, type StagePolicy, type StageRule } from './policy/document.js';
import { GATES, type GateResult, PolicyError, PromotionRequestError } from './policy/errors.js';
import { getStagePolicy, type StoredStagesDocument } from './policy/store.js';

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
}

/** Opens a repository by the name a stages document gives it (`repository:`). */
export type RepositoryOpener = (reference: string, options: OperationOptions) => Promise<OcmRepository>;

export interface PromotionPlan {
  readonly component: string;
  readonly stage: string;
  /** The stage the candidate came from, if it came from one. */
  readonly source?: string;
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

/**
 * Plans a promotion: reads the stages document, the source and target stages, the history and the
 * signatures, then evaluates the gates. Changes nothing.
 */
export async function planPromotion(
  repository: OcmRepository,
  component: string,
  options: PlanPromotionOptions & {
    readonly sinceLookup?: SinceLookup;
    /** The stages document, when the caller has just read it (`promoteAll`). */
    readonly document?: StoredStagesDocument;
  },
): Promise<PromotionPlan> {
  const op = signalOnly(options);
  const now = (options.now ?? (() => new Date()))();
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
  const [current, ruleSourcePoint, namedSource] = await Promise.all([
    aliasPoint(repository, component, stage.name, op),
    ruleSource === undefined ? undefined : aliasPoint(repository, component, ruleSource, op),
    sourceStage !== undefined && sourceStage !== ruleSource
      ? aliasPoint(repository, component, sourceStage, op)
      : undefined,
  ]);
  const sourcePoint = sourceStage === ruleSource ? ruleSourcePoint : namedSource;

  let candidate: StagePoint | undefined;
  if (options.version !== undefined) {
    const resolved = await repository.resolveComponentVersion(component, options.version, op);
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

  const since =
    stage.soak !== undefined && ruleSourcePoint !== undefined
      ? await (options.sinceLookup ?? historySince)(repository, component, ruleSource!, ruleSourcePoint, op)
      : {};
  const signatures = await checkSignatures(repository, component, stage, candidate, options);
  const references =
    stage.references === undefined ? undefined : await checkReferences(repository, component, candidate, op);
  const evidence =
    stage.checks.length > 0 || stage.approvals !== undefined
      ? await checkEvidence(repository, component, doc, stage, candidate, op)
      : undefined;
  const movers = await checkMovers(repository, component, doc.policy, stage, {
    ...(ruleSource === undefined ? {} : { source: ruleSource }),
    ...(ruleSourcePoint === undefined ? {} : { sourcePoint: ruleSourcePoint }),
    ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
    op,
  });
  const evaluated = evaluateGates({
    stage,
    ...(sourceStage === undefined ? {} : { sourceStage }),
    ...(stage.from !== undefined && ruleSourcePoint !== undefined ? { source: ruleSourcePoint } : {}),
    ...(since.since === undefined ? {} : { sourceSince: since.since }),
    ...(since.note === undefined ? {} : { sinceNote: since.note }),
    candidate,
    ...(current === undefined ? {} : { current }),
    now,
    signatures,
    ...(references === undefined ? {} : { references }),
    allowDowngrade: options.allowDowngrade === true,
    ...(evidence === undefined ? {} : { evidence: evidence.gates }),
  });
  const gates = [...evaluated, ...movers].sort((a, b) => GATES.indexOf(a.gate) - GATES.indexOf(b.gate));
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
    candidate,
    ...(current === undefined ? {} : { current }),
    ...(since.since === undefined ? {} : { since: since.since.toISOString() }),
    gates,
    status,
    time: now.toISOString(),
    policy: doc.digest,
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
  const plan = options.plan ?? (await planPromotion(repository, component, options));
  if (plan.status === 'refused') {
    const refused = plan.gates.filter((g) => g.result === 'refused');
    throw new PolicyError(component, plan.stage, refusal(component, plan.stage, refused), refused, {
      hint: 'ocm promote --dry-run shows every gate; nothing was changed',
    });
  }
  if (plan.status === 'unchanged') return { plan, status: 'unchanged' };
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

/** What the history keeps with a `promote` event: the gates as evaluated, and the rules they came from. */
function promotionDetails(
  plan: PromotionPlan,
  extra: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return {
    ...extra,
    ...(plan.source === undefined ? {} : { source: plan.source }),
    gates: plan.gates.map((g) => ({ ...g })),
    policy: plan.policy,
    evaluated: plan.time,
    ...(plan.evidence === undefined ? {} : { evidence: [...plan.evidence] }),
  };
}

/**
 * The `checks` and `approvals` gates: the candidate's evidence (about its normalised digest), verified
 * with the document's `trust` keys. Costs: the candidate's descriptor, one listing of the tags, one GET
 * per envelope.
 */
async function checkEvidence(
  repository: OcmRepository,
  component: string,
  doc: StoredStagesDocument,
  stage: StageRule,
  candidate: StagePoint,
  options: OperationOptions,
): Promise<EvidenceGates> {
  const subject = await evidenceSubject(repository, component, candidate.digest, options);
  const { items } = await listEvidence(repository, component, candidate.digest, { ...options, subject });
  const verified = verifyEvidence(
    items,
    doc.policy.trust.map((t) => ({ name: t.name, publicKey: t.publicKey })),
  );
  return evaluateEvidenceGates(stage, verified);
}

/** One sentence naming the refused gates. */
function refusal(component: string, stage: string, refused: readonly GateResult[]): string {
  const what = refused
    .map((g) => `${g.gate}${g.signature === undefined ? '' : ` ${g.signature}`}: ${g.detail}`)
    .join('; ');
  return `${component}: promotion to ${stage} refused (${what})`;
}

/**
 * The `movers` gate (docs/stages.md): a source stage with `movers` feeds a promotion only when the
 * move that put it where it is was signed by one of them (a stage moved unsigned, by another key, or
 * around ocm-ts is untrusted); a stage with `movers` is moved only by a promotion signed by one of
 * them (`--key`).
 */
async function checkMovers(
  repository: OcmRepository,
  component: string,
  policy: StagePolicy,
  stage: StageRule,
  at: { source?: string; sourcePoint?: StagePoint; signingKey?: KeyObject; op: OperationOptions },
): Promise<GateResult[]> {
  const sourceRule = at.source === undefined ? undefined : findStage(policy, at.source);
  if (sourceRule?.movers === undefined && stage.movers === undefined) return [];
  const trusted = (names: readonly string[]) =>
    policy.trust
      .filter((t) => names.includes(t.name))
      .map((t) => ({ name: t.name, key: loadVerifyingKey(t.publicKey) }));
  const out: GateResult[] = [];
  if (sourceRule?.movers !== undefined && at.sourcePoint !== undefined) {
    const movers = sourceRule.movers;
    const held = await aliasHeldSince(repository, component, sourceRule.name, at.op);
    const event = held.target?.digest === at.sourcePoint.digest ? held.event : undefined;
    const who = event === undefined ? undefined : verifyEvent(event, trusted(movers));
    if (who !== undefined && movers.includes(who)) {
      out.push({
        gate: 'movers',
        result: 'pass',
        detail: `${sourceRule.name} was moved there by ${who} (signed)`,
      });
    } else {
      const why =
        event === undefined
          ? 'no recorded move put it there'
          : who === '-'
            ? `moved there unsigned (by ${event.actor})`
            : `moved there with ${who === 'unknown key' ? 'a key not among its movers' : 'a bad signature'}`;
      out.push({
        gate: 'movers',
        result: 'refused',
        detail: `${sourceRule.name} is untrusted: ${why}; its moves must be signed by ${movers.join(', ')}`,
      });
    }
  }
  if (stage.movers !== undefined) {
    const mine = at.signingKey === undefined ? undefined : keyId(createPublicKey(at.signingKey));
    const match = trusted(stage.movers).find((t) => keyId(t.key) === mine);
    out.push(
      match
        ? { gate: 'movers', result: 'pass', detail: `this move is signed by ${match.name}` }
        : {
            gate: 'movers',
            result: 'refused',
            detail: `moves of ${stage.name} must be signed by ${stage.movers.join(', ')} (--key)${mine === undefined ? '' : '; this key is none of theirs'}`,
          },
    );
  }
  return out;
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
  repository: OcmRepository,
  component: string,
  alias: string,
  options: OperationOptions,
): Promise<StagePoint | undefined> {
  try {
    const r = await repository.resolveComponentVersion(component, alias, options);
    // A stage is a stored alias; a computed `latest` or a version of that name is not a stage's content.
    return r.kind === 'alias' ? { version: r.version, digest: r.digest } : undefined;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/**
 * Verifies each required signature on the candidate with the key given for it, else the document's.
 * A verification failure is a refused gate with its reason; failures to read the repository are thrown.
 */
async function checkSignatures(
  repository: OcmRepository,
  component: string,
  stage: StageRule,
  candidate: StagePoint,
  options: PlanPromotionOptions,
): Promise<SignatureCheck[]> {
  const checks: SignatureCheck[] = [];
  for (const required of stage.signatures) {
    const given = options.publicKeys?.[required.name];
    const key = given ?? required.publicKey;
    if (key === undefined) {
      checks.push({
        name: required.name,
        ok: false,
        detail: `${required.name}: no public key in the document; pass --public-key ${required.name}=FILE`,
      });
      continue;
    }
    try {
      const result = await verifyComponentVersion(repository, component, candidate.version, {
        name: required.name,
        publicKey: key,
        ...signalOnly(options),
      });
      if (result.digest !== candidate.digest) {
        checks.push({
          name: required.name,
          ok: false,
          detail: `${required.name}: ${candidate.version} changed while it was checked; plan again`,
        });
      } else {
        checks.push({
          name: required.name,
          ok: true,
          detail: `${required.name}: verified (${result.signature.algorithm}, key ${given === undefined ? 'from the document' : 'given'})`,
        });
      }
    } catch (err) {
      if (!(err instanceof OcmError) || isTransient(err)) throw err;
      checks.push({ name: required.name, ok: false, detail: `${required.name}: ${err.message}` });
    }
  }
  return checks;
}

/**
 * `references: present`: every component version the candidate references, transitively, is in this
 * repository (`walkReferences`: none missing, no cycle), and its stored digests verify against what
 * they describe (`checkComponentVersion`: local resources, reference digests), so a product never
 * reaches the stage incomplete.
 */
async function checkReferences(
  repository: OcmRepository,
  component: string,
  candidate: StagePoint,
  options: OperationOptions,
): Promise<{ ok: boolean; detail: string }> {
  try {
    const walk = await walkReferences(
      new RepositoryListResolver([repository]),
      repository,
      component,
      candidate.digest,
      options,
    );
    for (const found of walk.order)
      await checkComponentVersion(
        found.repository,
        found.resolution.component,
        found.resolution.version,
        options,
      );
    const parts = walk.order.length - 1;
    return {
      ok: true,
      detail:
        parts === 0
          ? 'references nothing'
          : `${parts} referenced version${parts === 1 ? '' : 's'} present and verified`,
    };
  } catch (err) {
    if (!(err instanceof OcmError) || isTransient(err)) throw err;
    return { ok: false, detail: err.message };
  }
}

/** Failures of the store rather than of the signature: not a gate's verdict. */
function isTransient(err: OcmError): boolean {
  return err.code.startsWith('REGISTRY_') || err.code === 'LOCK_TIMEOUT';
}

function signalOnly(options: OperationOptions): OperationOptions {
  return options.signal ? { signal: options.signal } : {};
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
