import { resolve } from 'node:path';
import type { Parsed } from '../args.js';
import { flag, oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { json, table } from '../render.js';

export async function runAddCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length > 0) {
    throw new UsageError(
      `add cv takes no arguments, got ${JSON.stringify(positionals[0])}`,
      'name the constructor with --constructor FILE',
    );
  }
  const file = resolve(ctx.io.cwd, str(values, 'constructor') ?? 'component-constructor.yaml');
  const conflict = oneOf(values, 'conflict', ['abort', 'replace', 'skip'] as const, 'abort');
  const format = oneOf(values, 'output', ['table', 'json'] as const, 'table');
  const { readConstructor, addComponentsFromConstructor } = await import('../../constructor/index.js');
  const spec = await readConstructor(file, { env: ctx.io.env });
  const { repository } = await ctx.open(str(values, 'repository') ?? './transport-archive', { create: true });
  const signal = ctx.io.signal;
  const results = await repository.batch(
    (repo) =>
      addComponentsFromConstructor(repo, spec, {
        conflict,
        moveAliases: flag(values, 'move-aliases'),
        ...(signal ? { signal } : {}),
      }),
    signal ? { signal } : {},
  );
  if (format === 'json') ctx.out(json(results));
  else
    ctx.out(
      table(
        ['COMPONENT', 'VERSION', 'STATUS', 'DIGEST'],
        results.map((r) => [r.component, r.version, r.status, r.digest]),
      ),
    );
  return 0;
}
