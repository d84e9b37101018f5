import { flag } from '../args.js';
import { UsageError } from '../io.js';
import { formatBytes } from '../render.js';
import type { Command } from './types.js';

export const gc: Command = {
  name: 'gc',
  summary: 'remove untagged residue and unreferenced blobs from a CTF',
  usage: `gc CTF_PATH [--dry-run]

  Drops index entries that no tag reaches and blobs that no entry reaches (blobs younger than
  10 minutes are kept: a concurrent push may be about to name them). Registries collect their own
  garbage; run their GC instead.

      --dry-run   say what would be removed, remove nothing`,
  options: { 'dry-run': { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
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
  },
};
