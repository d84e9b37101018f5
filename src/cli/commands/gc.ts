import type { Parsed } from '../args.js';
import { flag } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { formatBytes } from '../render.js';

export async function runGc(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('gc takes one CTF path');
  const dryRun = flag(values, 'dry-run');
  const opened = await ctx.open(positionals[0]!, { readOnly: dryRun });
  if (!opened.collectGarbage)
    throw new UsageError('gc works on CTF archives; registries run their own garbage collection');
  const report = await opened.collectGarbage({
    dryRun,
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  });
  const verb = dryRun ? 'would remove' : 'removed';
  ctx.out(
    `${verb} ${report.entries} index entries, ${report.blobs} blobs (${formatBytes(report.bytes)}), ${report.tempFiles} temporary files\n`,
  );
  return 0;
}
