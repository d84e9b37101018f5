import type { Parsed } from '../args.js';
import { flag, oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { formatBytes } from '../render.js';

export async function runTransferCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 2)
    throw new UsageError('transfer cv takes a source reference and a target repository');
  const ref = parseComponentRef(positionals[0]!);
  const { transferComponentVersion } = await import('../../repository/transfer.js');
  const conflict = oneOf(values, 'conflict', ['abort', 'skip', 'replace'] as const, 'abort');
  const concurrency = Number(str(values, 'concurrency') ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new UsageError('--concurrency takes a whole number from 1 to 64');
  if (flag(values, 'recursive'))
    return (await import('./tree.js')).runTransferTree(ctx, values, ref, positionals[1]!, {
      conflict,
      concurrency,
    });
  if (values.lookup !== undefined) throw new UsageError('--lookup goes with --recursive');
  const source = await ctx.open(ref.repository, { readOnly: true });
  const target = await ctx.open(positionals[1]!, { create: true });
  const signal = ctx.io.signal;
  const copyResources = flag(values, 'copy-resources')
    ? { fetchArtifact: (await ctx.artifactSource()).fetchArtifact }
    : undefined;
  const versions =
    ref.version !== undefined
      ? [ref.version]
      : await source.repository.listComponentVersions(ref.component, signal ? { signal } : {});
  if (versions.length === 0) throw new UsageError(`${ref.component} has no versions in ${ref.repository}`);
  const progress = ctx.progress();
  let bytes = 0;
  let n = 0;
  await target.repository.batch(
    async (into) => {
      for (const version of versions) {
        n++;
        const result = await transferComponentVersion(source.repository, into, ref.component, version, {
          conflict,
          concurrency,
          copyAliases: flag(values, 'copy-aliases'),
          ...(copyResources ? { copyResources } : {}),
          ...(signal ? { signal } : {}),
          onProgress: (e) =>
            progress.update(
              `transferring ${n}/${versions.length} ${ref.component}:${version}  ${formatBytes(bytes + e.done)}`,
            ),
        });
        bytes += result.bytes;
        progress.done();
        const aliases = result.aliases.length > 0 ? `, aliases ${result.aliases.join(', ')}` : '';
        ctx.out(
          `${ref.component}:${result.version} ${result.status} (${result.copied} copied, ${result.existing} present, ${formatBytes(result.bytes)}${aliases})\n`,
        );
      }
    },
    signal ? { signal } : {},
  );
  return 0;
}
