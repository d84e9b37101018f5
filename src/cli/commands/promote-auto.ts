import type { AutoDecision } from '../../stages/auto.js';
import { formatDuration, parseDuration } from '../../stages/policy/duration.js';
import type { Parsed } from '../args.js';
import { oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { moverKey } from './mover-key.js';
import { journalOptions, promoteReference, publicKeys } from './promote.js';

const USAGE = 'usage: ocm promote REPOSITORY[//COMPONENT] --to STAGE --auto [--interval 30s] [-o json]';

/**
 * `ocm promote REPOSITORY[//COMPONENT] --to STAGE --auto`: keeps promoting the stage on every
 * component whose stage has `auto: true` (or the one named) whenever its gates pass, printing one
 * line per decision (JSON lines with `-o json`), none per idle look, until SIGINT or SIGTERM (exit 0).
 * The gates use the real clock: `OCM_NOW` is not read here.
 */
export async function runPromoteAuto(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  const reference = promoteReference(positionals);
  if (values.auto !== true) throw new UsageError('--interval goes with --auto', USAGE);
  for (const f of ['dry-run', 'from', 'version', 'allow-downgrade'])
    if (values[f] !== undefined)
      throw new UsageError(
        `--${f} does not go with --auto`,
        f === 'dry-run'
          ? 'to see what would move now: ocm promote REPOSITORY --to STAGE --all --dry-run'
          : "the automatic promoter takes what the stage's from holds, never backwards",
      );
  const to = str(values, 'to');
  if (!to) throw new UsageError('--to STAGE is required', USAGE);
  const intervalText = str(values, 'interval') ?? '30s';
  const interval = parseDuration(intervalText);
  if (interval === undefined || interval < 1000)
    throw new UsageError(
      `--interval takes a duration of at least 1s, not ${JSON.stringify(intervalText)}`,
      'e.g. 30s, 5m, 1h30m',
    );
  const format = oneOf(values, 'output', ['table', 'json'] as const, 'table');
  const ref = reference.includes('//') ? parseComponentRef(reference, { forbidVersion: true }) : undefined;
  const { AutoPromoter } = await import('../../stages/auto.js');
  const { repository } = await ctx.open(ref?.repository ?? reference);
  const { actor, message } = journalOptions(ctx, values);
  const promoter = new AutoPromoter(repository, {
    to,
    interval,
    ...(ref === undefined ? {} : { components: [ref.component] }),
    publicKeys: await publicKeys(ctx, values),
    ...(await moverKey(ctx, values)),
    actor,
    ...(message === undefined ? {} : { message }),
    openRepository: ctx.stageOpener(),
    name: ref?.repository ?? reference,
    onDecision: (d) => ctx.out(format === 'json' ? `${JSON.stringify(d)}\n` : `${line(d)}\n`),
  });
  ctx.note(
    `promoting ${to} of ${ref?.component ?? 'every component'} automatically, looking every ${formatDuration(interval)}; one line per decision; SIGINT or SIGTERM stops`,
  );
  await promoter.run(ctx.io.signal);
  return 0;
}

function line(d: AutoDecision): string {
  return `${d.time} ${d.component} ${d.stage} ${d.outcome}: ${d.detail}`;
}
