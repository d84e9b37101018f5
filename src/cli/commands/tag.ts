import type { Parsed } from '../args.js';
import { flag, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { actorOf } from './actor.js';
import { moverKey } from './mover-key.js';

export async function runTagCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length < 2)
    throw new UsageError(
      'tag cv needs a reference and at least one alias',
      'usage: ocm tag cv REPOSITORY//COMPONENT:VERSION|ALIAS ALIAS [ALIAS...]',
    );
  const ref = parseComponentRef(positionals[0]!, { requireVersion: true });
  const expect = str(values, 'expect');
  const message = str(values, 'message');
  const actor = actorOf(str(values, 'by'), ctx.io.env);
  const key = await moverKey(ctx, values);
  const { repository } = await ctx.open(ref.repository);
  // Stages with promotion gates move only through `ocm promote`, or with --force (recorded as forced):
  // the repository's policy checks each alias before it moves; with more than one alias, this checks
  // them all before the first one moves (one alias: that check would read the document twice).
  const force = flag(values, 'force');
  if (positionals.length > 2) {
    const { checkPlainMoves } = await import('../../stages/policy/guard.js');
    await checkPlainMoves(repository, ref.component, positionals.slice(1), {
      force,
      ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
    });
  }
  for (const alias of positionals.slice(1)) {
    const change = await repository.addComponentVersionAlias(ref.component, ref.version!, alias, {
      ...(expect === undefined ? {} : { expect }),
      force,
      ...(message === undefined ? {} : { message }),
      actor,
      ...key,
      ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
    });
    const was = change.previous
      ? change.previous.digest === change.digest
        ? ' (unchanged)'
        : ` (was ${change.previous.version})`
      : ' (new)';
    ctx.out(`${ref.component}:${alias} -> ${change.version} ${change.digest}${was}\n`);
  }
  return 0;
}

export async function runUntagCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length < 1) throw new UsageError('untag cv needs at least one REPOSITORY//COMPONENT:ALIAS');
  const expect = str(values, 'expect');
  const message = str(values, 'message');
  const actor = actorOf(str(values, 'by'), ctx.io.env);
  const key = await moverKey(ctx, values);
  for (const text of positionals) {
    const ref = parseComponentRef(text, { requireVersion: true });
    const { repository } = await ctx.open(ref.repository);
    // A stage with promotion gates is removed only with --force, recorded as forced (the repository's policy).
    const change = await repository.removeComponentVersionAlias(ref.component, ref.version!, {
      ...(expect === undefined ? {} : { expect }),
      force: flag(values, 'force'),
      ...(message === undefined ? {} : { message }),
      actor,
      ...key,
      ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
    });
    ctx.out(`removed ${ref.component}:${ref.version} (was ${change.version} ${change.digest})\n`);
  }
  return 0;
}
