import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { GateResult } from '../../stages/policy/errors.js';
import type { PromotionPlan } from '../../stages/promote.js';
import type { Parsed } from '../args.js';
import { flag, oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { json, table } from '../render.js';
import { actorOf } from './actor.js';
import { moverKey } from './mover-key.js';

/** Exit code of a refused gate. */
export const EXIT_REFUSED = 3;

/** `-m` and `--by` as the history takes them; the actor defaults as for every command (actor.ts). */
export function journalOptions(ctx: Context, values: Parsed['values']): { message?: string; actor: string } {
  const message = str(values, 'message');
  return { ...(message === undefined ? {} : { message }), actor: actorOf(str(values, 'by'), ctx.io.env) };
}

/**
 * The clock of the gates. `OCM_NOW` (RFC 3339) replaces it, for tests that run the built binary;
 * it changes only what the gates compare against, never what is recorded.
 */
export function clock(ctx: Context): () => Date {
  const fixed = ctx.io.env.OCM_NOW;
  if (fixed === undefined || fixed === '') return () => new Date();
  const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(fixed)
    ? new Date(fixed)
    : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`OCM_NOW must be an RFC 3339 time, not ${JSON.stringify(fixed)}`);
  // Never silent: a soak or freeze judged at another time than now is said, and the promote event
  // keeps the time the gates were evaluated at beside its own.
  ctx.note(`gates evaluated at OCM_NOW=${fixed}, not at the current time`);
  return () => date;
}

/** `--public-key NAME=FILE`, repeatable. */
export async function publicKeys(
  ctx: Context,
  values: Parsed['values'],
): Promise<Record<string, Uint8Array>> {
  const raw = values['public-key'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  const keys: Record<string, Uint8Array> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1)
      throw new UsageError(
        `--public-key takes NAME=FILE, not ${JSON.stringify(item)}`,
        'e.g. --public-key release=release.pub',
      );
    const name = item.slice(0, eq);
    const file = item.slice(eq + 1);
    try {
      keys[name] = await readFile(resolve(ctx.io.cwd, file));
    } catch (cause) {
      throw new UsageError(
        `cannot read --public-key ${name}=${file}: ${(cause as NodeJS.ErrnoException).code ?? cause}`,
      );
    }
  }
  return keys;
}

function gateName(g: GateResult): string {
  const about = g.signature ?? g.check;
  const name = about === undefined ? g.gate : `${g.gate} (${about})`;
  // A gate of the stages document kept where the stage lives (it has rules of its own).
  return g.rules === 'target' ? `${name} [target]` : name;
}

function planHeader(plan: PromotionPlan): string {
  const from = plan.current === undefined ? '(new)' : plan.current.version;
  const where = (repository: string | undefined) => (repository === undefined ? '' : ` in ${repository}`);
  const source =
    plan.source === undefined && plan.sourceRepository === undefined
      ? ''
      : ` from ${plan.source ?? plan.candidate.version}${where(plan.sourceRepository)}`;
  return `${plan.component}: ${plan.stage}${where(plan.repository)} ${from} -> ${plan.candidate.version}${source}`;
}

function planRows(plan: PromotionPlan, withComponent: boolean): string[][] {
  const rows = plan.gates.map((g) => [
    ...(withComponent ? [plan.component] : []),
    gateName(g),
    g.result,
    g.detail,
  ]);
  if (rows.length === 0)
    rows.push([...(withComponent ? [plan.component] : []), '-', 'pass', `${plan.stage} has no gates`]);
  return rows;
}

/**
 * `ocm promote cv REPOSITORY//COMPONENT --to STAGE [...]`, and `ocm promote REPOSITORY --to STAGE
 * --all`. Exit 0 when promoted (or already there), 3 when a gate refuses, 1 on other failures.
 */
export async function runPromote(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  const args = ['cv', 'cvs', 'component', 'components', 'componentversion', 'componentversions'].includes(
    positionals[0] ?? '',
  )
    ? positionals.slice(1)
    : positionals;
  if (args.length !== 1)
    throw new UsageError(
      'promote takes one reference',
      'usage: ocm promote cv REPOSITORY//COMPONENT --to STAGE, or ocm promote REPOSITORY --to STAGE --all',
    );
  const to = str(values, 'to');
  if (!to) throw new UsageError('--to STAGE is required');
  const from = str(values, 'from');
  const version = str(values, 'version');
  if (from !== undefined && version !== undefined)
    throw new UsageError('--from and --version exclude each other');
  const format = oneOf(values, 'output', ['table', 'json'] as const, 'table');
  const dryRun = flag(values, 'dry-run');
  const options = {
    to,
    ...(from === undefined ? {} : { from }),
    ...(version === undefined ? {} : { version }),
    allowDowngrade: flag(values, 'allow-downgrade'),
    publicKeys: await publicKeys(ctx, values),
    now: clock(ctx),
    ...journalOptions(ctx, values),
    ...(await moverKey(ctx, values)),
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  };
  if (flag(values, 'all')) {
    if (args[0]!.includes('//'))
      throw new UsageError(
        'with --all, name only the repository',
        'usage: ocm promote REPOSITORY --to STAGE --all',
      );
    if (version !== undefined)
      throw new UsageError('--version names one version of one component; drop --all');
    return promoteAll(ctx, args[0]!, options, { dryRun, format });
  }
  const ref = parseComponentRef(args[0]!, { forbidVersion: true });
  const { planPromotion, promote } = await import('../../stages/promote.js');
  const { repository } = await ctx.open(ref.repository, dryRun ? { readOnly: true } : {});
  const elsewhere = { openRepository: ctx.stageOpener({ readOnly: dryRun }), name: ref.repository };
  const plan = await planPromotion(repository, ref.component, { ...options, ...elsewhere });
  if (format === 'table') {
    ctx.out(`${planHeader(plan)}\n`);
    // Nothing to move, nothing to judge: the gates of an unchanged stage are not shown.
    if (plan.status !== 'unchanged') ctx.out(table(['GATE', 'RESULT', 'DETAIL'], planRows(plan, false)));
  }
  // In place already: a promotion into another repository cut off after its move is completed (its
  // record where the candidate came from); nothing moves.
  if (plan.status === 'unchanged' && !dryRun)
    await promote(repository, ref.component, { ...options, ...elsewhere, plan });
  if (dryRun || plan.status === 'unchanged') {
    if (format === 'json')
      ctx.out(json({ ...plan, result: plan.status === 'unchanged' ? 'unchanged' : 'planned' }));
    else if (plan.status === 'unchanged')
      ctx.note(`${ref.component}: ${plan.stage} holds ${plan.candidate.version} already; nothing to do`);
    else ctx.note(`dry run: ${plan.status === 'ready' ? 'every gate passes' : 'refused'}; nothing changed`);
    return plan.status === 'refused' ? EXIT_REFUSED : 0;
  }
  if (plan.status === 'refused' && format === 'json') ctx.out(json({ ...plan, result: 'refused' }));
  // A refused plan throws PolicyError here: run() prints it and exits 3.
  const result = await promote(repository, ref.component, { ...options, ...elsewhere, plan });
  if (format === 'json') ctx.out(json({ ...plan, result: 'promoted', change: result.change }));
  else
    ctx.out(
      `promoted ${ref.component}:${plan.stage}${plan.repository === undefined ? '' : ` in ${plan.repository}`} -> ${plan.candidate.version} ${plan.candidate.digest}\n`,
    );
  return 0;
}

type Options = Parameters<typeof import('../../stages/promote.js').planPromotion>[2];

/** Every component whose source stage is ahead of the target: one table, one outcome per component. */
async function promoteAll(
  ctx: Context,
  repositoryRef: string,
  options: Options,
  how: { dryRun: boolean; format: 'table' | 'json' },
): Promise<number> {
  const { promoteAll: run } = await import('../../stages/promote.js');
  const { repository } = await ctx.open(repositoryRef, how.dryRun ? { readOnly: true } : {});
  const outcomes = await run(repository, {
    ...options,
    openRepository: ctx.stageOpener({ readOnly: how.dryRun }),
    name: repositoryRef,
    dryRun: how.dryRun,
  });
  if (how.format === 'json') ctx.out(json(outcomes));
  else {
    const rows: string[][] = [];
    for (const o of outcomes) {
      // The gates of components that move, or would, or were refused; not of those left alone.
      if (o.plan && o.outcome !== 'up to date') rows.push(...planRows(o.plan, true));
    }
    if (rows.length > 0) ctx.out(table(['COMPONENT', 'GATE', 'RESULT', 'DETAIL'], rows));
    ctx.out(
      table(
        ['COMPONENT', 'STAGE', 'OUTCOME', 'DETAIL'],
        outcomes.map((o) => [o.component, o.stage, o.outcome, o.detail]),
      ),
    );
  }
  if (outcomes.some((o) => o.outcome === 'failed')) return 1;
  if (outcomes.some((o) => o.outcome === 'refused')) return EXIT_REFUSED;
  return 0;
}
