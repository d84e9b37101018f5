/**
 * Automatic promotion (README, "Automatic promotion"): one stage, over the components of a
 * repository, moved as soon as every gate passes, by a promoter that looks at the source stages on a
 * timer. Stateless across restarts: what it must not undo (a stage moved by hand) it reads from the
 * histories, never from memory.
 *
 * Cost of a look, per watched component: one `HEAD` of the source stage on a registry (`resolve` of
 * the tag). Nothing else unless the source moved, a timer is due (the soak's end, a freeze's end) or
 * the component waits for evidence (checks, approvals refused): then one listing of the tags per look
 * (one request per page of tags), and a new plan only when an envelope was added or removed.
 */
import type { KeyObject } from 'node:crypto';
import { compareVersions } from '../descriptor/index.js';
import { NotFoundError, OcmError } from '../errors.js';
import type { OperationOptions } from '../oci/content/storage.js';
import { EVIDENCE_TAG_PREFIX } from '../repository/evidence-store.js';
import type { OcmRepository } from '../repository/repository.js';
import { listTags } from '../repository/resolve.js';
import type { KeyInput } from '../signing/index.js';
import { holdReason, waitingFor } from './auto-rules.js';
import { findStage } from './policy/document.js';
import { formatDuration } from './policy/duration.js';
import { type GateResult, PolicyError } from './policy/errors.js';
import { getStagePolicy } from './policy/store.js';
import { type PromotionPlan, planPromotion, promote, type RepositoryOpener } from './promote.js';
import { systemClock, type WatchClock } from './watch.js';

export type AutoOutcome = 'promoted' | 'refused' | 'held' | 'waiting' | 'up to date' | 'failed' | 'skipped';

/** One decision of the promoter about one component. */
export interface AutoDecision {
  /** The component; `*` for a failed listing of the components (at the first look). */
  readonly component: string;
  readonly stage: string;
  readonly outcome: AutoOutcome;
  readonly detail: string;
  /** When it was decided (RFC 3339, the promoter's clock). */
  readonly time: string;
  /** The gates, when a plan was made. */
  readonly gates?: readonly GateResult[];
  /** The candidate and where the stage was, when a plan was made. */
  readonly candidate?: string;
  readonly current?: string;
  /** `failed`: the error, and in how many ms the component is looked at again. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly retryIn?: number;
}

export interface AutoPromoterOptions {
  /** The stage to move. */
  readonly to: string;
  /** Components to promote. Default: every component of the repository, listed at the first look. */
  readonly components?: readonly string[];
  /** Time between looks, in ms. Default 30 s. */
  readonly interval?: number;
  /** Longest wait before a failed component is looked at again, in ms. Default 5 min (at least `interval`). */
  readonly maxBackoff?: number;
  /** Time (the gates' clock, the decisions' times) and waiting, injected so tests step it. */
  readonly clock?: WatchClock;
  /** Each decision, as it is made. */
  readonly onDecision?: (decision: AutoDecision) => void;
  /** Recorded in the `promote` events (`details.auto: true` marks them too). */
  readonly actor?: string;
  readonly message?: string;
  readonly publicKeys?: Readonly<Record<string, KeyInput>>;
  /** Signs the promote events (the `movers` gate). */
  readonly signingKey?: KeyObject;
  /** Opens the repositories that stages name (`repository:`); the caller closes them. */
  readonly openRepository?: RepositoryOpener;
  /** How the repository is named in the histories of others a promotion moves a stage in. */
  readonly name?: string;
}

/** What the promoter knows of one component between looks. */
interface Watched {
  readonly component: string;
  /** The source stage (the rule's `from`) and the repository it lives in; undefined until planned. */
  from?: string;
  sourceRepository?: string;
  /** The source digest at the last plan (null: absent); undefined: plan at the next look. */
  seen?: string | null;
  /** Plan again at this time (ms): a soak's or freeze's end. */
  due?: number;
  /** The evidence tags at the last plan, while checks or approvals refuse. */
  evidence?: string;
  /** Held over a move the histories cannot order: released once the source is seen elsewhere. */
  holdFor?: string;
  /** Failed looks in a row, and when to look again. */
  failures: number;
  retryAt?: number;
  /** Not promoted automatically (no document, no such stage, no `auto: true`). */
  off?: boolean;
}

/** A stage lives in another repository (`repository:`) and the promoter was given no way to open it. */
export class NoRepositoryOpenerError extends OcmError {
  constructor(reference: string) {
    super('NO_REPOSITORY_OPENER', `the stage lives in ${reference}, and no repository opener was given`, {
      hint: 'pass openRepository to the promoter (the CLI does)',
    });
  }
}

/** Store failures (registry, network, lock): retried with backoff. */
export function isStoreFailure(err: unknown): boolean {
  if (err instanceof OcmError) return err.code.startsWith('REGISTRY_') || err.code === 'LOCK_TIMEOUT';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code);
}

/**
 * Moves `options.to` on each component whose stage has `auto: true`, whenever every gate passes.
 * `look()` does one look and returns its decisions; `run(signal)` looks every `interval` until the
 * signal aborts. A component's failure never stops the others.
 */
export class AutoPromoter {
  readonly #repository: OcmRepository;
  readonly #options: AutoPromoterOptions;
  readonly #clock: WatchClock;
  readonly #interval: number;
  readonly #maxBackoff: number;
  readonly #opened = new Map<string, Promise<OcmRepository>>();
  #watched: Watched[] | undefined;
  #listFailures = 0;
  #listRetryAt: number | undefined;

  constructor(repository: OcmRepository, options: AutoPromoterOptions) {
    this.#repository = repository;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#interval = Math.max(1, options.interval ?? 30_000);
    this.#maxBackoff = Math.max(this.#interval, options.maxBackoff ?? 5 * 60_000);
  }

  /** Looks until `signal` aborts; waits `interval` between looks, less when a timer is due sooner. */
  async run(signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted) {
      await this.look(signal);
      if (signal?.aborted) return;
      await this.#clock.sleep(this.#nextWait(), signal);
    }
  }

  /** One look over every watched component; the decisions made (none when nothing moved). */
  async look(signal?: AbortSignal): Promise<AutoDecision[]> {
    const op: OperationOptions = signal ? { signal } : {};
    const decisions: AutoDecision[] = [];
    const report = (d: AutoDecision) => {
      decisions.push(d);
      this.#options.onDecision?.(d);
    };
    const watched = await this.#components(op, report);
    for (const w of watched ?? []) {
      if (signal?.aborted) break;
      if (w.off || (w.retryAt !== undefined && this.#now() < w.retryAt)) continue;
      try {
        const d = await this.#lookAt(w, op);
        w.failures = 0;
        w.retryAt = undefined;
        if (d) report(d);
      } catch (err) {
        if (signal?.aborted) break;
        w.seen = undefined;
        w.failures++;
        const retryIn = this.#backoff(w.failures);
        w.retryAt = this.#now() + retryIn;
        report(this.#failed(w.component, err, retryIn));
      }
    }
    return decisions;
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  #backoff(failures: number): number {
    return Math.min(this.#maxBackoff, this.#interval * 2 ** Math.min(failures - 1, 20));
  }

  #nextWait(): number {
    const now = this.#now();
    let wait = this.#interval;
    for (const w of this.#watched ?? []) {
      for (const t of [w.due, w.retryAt]) if (t !== undefined) wait = Math.min(wait, t - now);
    }
    return Math.max(Math.min(this.#interval, 1000), wait);
  }

  #decision(w: Watched | string, outcome: AutoOutcome, detail: string, plan?: PromotionPlan): AutoDecision {
    return {
      component: typeof w === 'string' ? w : w.component,
      stage: this.#options.to,
      outcome,
      detail,
      time: this.#clock.now().toISOString(),
      ...(plan === undefined
        ? {}
        : {
            gates: plan.gates,
            candidate: plan.candidate.version,
            ...(plan.current === undefined ? {} : { current: plan.current.version }),
          }),
    };
  }

  #failed(component: string, err: unknown, retryIn: number): AutoDecision {
    const code =
      err instanceof OcmError ? err.code : String((err as { code?: unknown } | null)?.code ?? 'ERROR');
    const message = err instanceof Error ? err.message : String(err);
    const when = `looked at again in ${formatDuration(retryIn, { seconds: true })}`;
    return {
      ...this.#decision(
        component,
        'failed',
        `${message} (${isStoreFailure(err) ? 'store failure; ' : ''}${when})`,
      ),
      error: { code, message },
      retryIn,
    };
  }

  /** The components, listed once (at the first look that can list them). */
  async #components(op: OperationOptions, report: (d: AutoDecision) => void): Promise<Watched[] | undefined> {
    if (this.#watched) return this.#watched;
    if (this.#listRetryAt !== undefined && this.#now() < this.#listRetryAt) return undefined;
    try {
      const names = this.#options.components ?? (await this.#repository.listComponents(op));
      this.#watched = names.map((component) => ({ component, failures: 0 }));
      return this.#watched;
    } catch (err) {
      if (op.signal?.aborted) return undefined;
      const retryIn = this.#backoff(++this.#listFailures);
      this.#listRetryAt = this.#now() + retryIn;
      report(this.#failed('*', err, retryIn));
      return undefined;
    }
  }

  /** A repository a stage names, opened once. */
  #open(reference: string | undefined, op: OperationOptions): Promise<OcmRepository> {
    if (reference === undefined) return Promise.resolve(this.#repository);
    const opener = this.#options.openRepository;
    if (opener === undefined) return Promise.reject(new NoRepositoryOpenerError(reference));
    let opened = this.#opened.get(reference);
    if (opened === undefined) {
      opened = opener(reference, op);
      this.#opened.set(reference, opened);
      opened.catch(() => this.#opened.delete(reference));
    }
    return opened;
  }

  readonly #opener: RepositoryOpener = (reference, op) => this.#open(reference, op);

  /** The look at one component: one HEAD of its source, and a plan only when something is due. */
  async #lookAt(w: Watched, op: OperationOptions): Promise<AutoDecision | undefined> {
    if (w.from === undefined || w.seen === undefined) return this.#plan(w, op);
    const source = await this.#open(w.sourceRepository, op);
    const digest = await headOf(source, w.component, w.from, op);
    let due = digest !== w.seen || (w.due !== undefined && this.#now() >= w.due);
    if (!due && w.evidence !== undefined) due = (await this.#evidence(w, op)) !== w.evidence;
    return due ? this.#plan(w, op) : undefined;
  }

  /** One listing of the tags: the evidence envelopes stored for the component, as one string. */
  async #evidence(w: Watched, op: OperationOptions): Promise<string> {
    const tags = await listTags(this.#repository.ociStore(w.component), op);
    return tags
      .filter((t) => t.startsWith(EVIDENCE_TAG_PREFIX))
      .sort()
      .join(',');
  }

  /** Reads the document, applies the hold rule, plans, and promotes when every gate passes. */
  async #plan(w: Watched, op: OperationOptions): Promise<AutoDecision | undefined> {
    const to = this.#options.to;
    const doc = await getStagePolicy(this.#repository, w.component, op);
    const stage = doc && findStage(doc.policy, to);
    const off = (detail: string) => {
      w.off = true;
      return this.#decision(w, 'skipped', detail);
    };
    if (!doc) return off('no stages document');
    if (!stage) return off(`no stage ${to}`);
    if (!stage.auto) return off(`${to} is not automatic (auto: true in the stages document)`);
    if (stage.from === undefined) return off(`${to} has no from stage`);
    const sourceRule = findStage(doc.policy, stage.from);
    const [source, target] = await Promise.all([
      this.#open(sourceRule?.repository, op),
      this.#open(stage.repository, op),
    ]);
    const hasEvidenceGates = stage.checks.length > 0 || stage.approvals !== undefined;
    // Read before planning, so that evidence stored while the plan is made is seen at the next look.
    const evidence = hasEvidenceGates ? await this.#evidence(w, op) : undefined;
    const digest = await headOf(source, w.component, stage.from, op);
    w.from = stage.from;
    w.sourceRepository = sourceRule?.repository;
    w.seen = digest;
    w.due = undefined;
    w.evidence = undefined;
    if (digest === null) return this.#decision(w, 'skipped', `${stage.from} holds no version`);

    const hold = await holdReason(
      { target, source, component: w.component, stage: to, from: stage.from },
      digest,
      op,
    );
    if (hold !== undefined) {
      if (!hold.unordered) return this.#decision(w, 'held', hold.reason);
      w.holdFor ??= digest;
      if (w.holdFor === digest) return this.#decision(w, 'held', hold.reason);
    }
    w.holdFor = undefined;

    let plan: PromotionPlan;
    try {
      plan = await planPromotion(this.#repository, w.component, {
        to,
        document: doc,
        now: () => this.#clock.now(),
        ...this.#promotionOptions(),
        ...op,
      });
    } catch (err) {
      if (err instanceof PolicyError && err.refused.some((g) => g.gate === 'from'))
        return this.#decision(w, 'skipped', err.refused[0]!.detail);
      throw err;
    }
    if (plan.status === 'unchanged') {
      // In place already. A promotion into another repository cut off after its move (by this
      // promoter or by hand) gets its record where the candidate came from; nothing moves.
      const done = await promote(this.#repository, w.component, {
        to,
        plan,
        ...this.#promotionOptions(),
        ...(this.#options.actor === undefined ? {} : { actor: this.#options.actor }),
        ...op,
      });
      return this.#decision(
        w,
        'up to date',
        `${to} holds ${plan.candidate.version}${done.recorded ? '; its record where it came from was completed' : ''}`,
        plan,
      );
    }
    if (plan.current !== undefined && compareVersions(plan.candidate.version, plan.current.version) < 0)
      return this.#decision(
        w,
        'up to date',
        `${to} (${plan.current.version}) is ahead of ${stage.from} (${plan.candidate.version})`,
        plan,
      );
    if (plan.status === 'refused') {
      const refused = plan.gates
        .filter((g) => g.result === 'refused')
        .map((g) => `${g.gate}: ${g.detail}`)
        .join('; ');
      const wait = waitingFor(plan, stage);
      if (wait.stuck || (wait.at === undefined && !wait.evidence))
        return this.#decision(w, 'refused', `${refused}; until ${stage.from} moves`, plan);
      if (wait.at !== undefined) w.due = wait.at;
      if (wait.evidence) w.evidence = evidence;
      const until = [
        ...(wait.at === undefined ? [] : [`plans again at ${new Date(wait.at).toISOString()}`]),
        ...(wait.evidence ? ['waits for new evidence'] : []),
      ].join(', ');
      return this.#decision(w, wait.evidence ? 'refused' : 'waiting', `${refused}; ${until}`, plan);
    }
    const result = await promote(this.#repository, w.component, {
      to,
      plan,
      details: { auto: true },
      ...this.#promotionOptions(),
      ...(this.#options.actor === undefined ? {} : { actor: this.#options.actor }),
      ...(this.#options.message === undefined ? {} : { message: this.#options.message }),
      ...op,
    });
    return this.#decision(
      w,
      'promoted',
      `${to} ${plan.current?.version ?? '(new)'} -> ${result.plan.candidate.version} (every gate passed)`,
      plan,
    );
  }

  #promotionOptions() {
    const o = this.#options;
    return {
      ...(o.publicKeys === undefined ? {} : { publicKeys: o.publicKeys }),
      ...(o.signingKey === undefined ? {} : { signingKey: o.signingKey }),
      ...(o.openRepository === undefined ? {} : { openRepository: this.#opener }),
      ...(o.name === undefined ? {} : { name: o.name }),
    };
  }
}

/** Where a stage points (one `HEAD` on a registry), or null when it does not exist. */
async function headOf(
  repository: OcmRepository,
  component: string,
  stage: string,
  op: OperationOptions,
): Promise<string | null> {
  try {
    return (await repository.ociStore(component).resolve(stage, op)).digest;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}
