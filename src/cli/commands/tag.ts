import { str } from '../args.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import type { Command } from './types.js';

export const tagCv: Command = {
  name: 'tag cv',
  summary: 'point one or more aliases at a component version (adding or moving them)',
  usage: `tag cv REPOSITORY//COMPONENT:VERSION|ALIAS ALIAS [ALIAS...] [--expect VERSION|DIGEST|absent]

  Each alias is set to the version the reference names now (a snapshot: tagging from an alias
  copies where it points, it does not link). Nothing is uploaded; digests and signatures stay.

      --expect X   move only if the alias still points at version or digest X, or,
                   with "absent", only if it does not exist yet (fails otherwise, changing nothing)`,
  options: { expect: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    if (positionals.length < 2)
      throw new UsageError(
        'tag cv needs a reference and at least one alias',
        `usage: ocm ${tagCv.usage.split('\n')[0]}`,
      );
    const ref = parseComponentRef(positionals[0]!, { requireVersion: true });
    const expect = str(values, 'expect');
    const { repository } = await ctx.open(ref.repository);
    for (const alias of positionals.slice(1)) {
      const change = await repository.addComponentVersionAlias(ref.component, ref.version!, alias, {
        ...(expect === undefined ? {} : { expect }),
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
  },
};

export const untagCv: Command = {
  name: 'untag cv',
  summary: 'remove aliases; the versions and their other tags stay',
  usage: `untag cv REPOSITORY//COMPONENT:ALIAS [REPOSITORY//COMPONENT:ALIAS...] [--expect VERSION|DIGEST]

      --expect X   remove only if the alias still points at version or digest X`,
  options: { expect: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    if (positionals.length < 1)
      throw new UsageError('untag cv needs at least one REPOSITORY//COMPONENT:ALIAS');
    const expect = str(values, 'expect');
    for (const text of positionals) {
      const ref = parseComponentRef(text, { requireVersion: true });
      const { repository } = await ctx.open(ref.repository);
      const change = await repository.removeComponentVersionAlias(ref.component, ref.version!, {
        ...(expect === undefined ? {} : { expect }),
        ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
      });
      ctx.out(`removed ${ref.component}:${ref.version} (was ${change.version} ${change.digest})\n`);
    }
    return 0;
  },
};
