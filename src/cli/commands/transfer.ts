import { mapLimit } from '../../oci/concurrency.js';
import { withOperationSignal } from '../../repository/operation-signal.js';
import type { Parsed } from '../args.js';
import { flag, oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { formatBytes } from '../render.js';

export async function runTransferCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 2)
    throw new UsageError('transfer cv takes a source reference and a target repository');
  if (!isComponentRef(positionals[0]!)) return runTransferRepository(ctx, { values, positionals });
  if (values.jobs !== undefined) throw new UsageError('--jobs goes with a whole repository as the source');
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
  const kept = new Set<string>();
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
          // One version: the aliases its history names that stay behind are recorded as not copied.
          recordAliasesNotCopied: ref.version !== undefined,
          force: flag(values, 'force'),
          evidence: flag(values, 'evidence'),
          sourceName: ref.repository,
          ...(copyResources ? { copyResources } : {}),
          ...(signal ? { signal } : {}),
          onProgress: (e) =>
            progress.update(
              `transferring ${n}/${versions.length} ${ref.component}:${version}  ${formatBytes(bytes + e.done)}`,
            ),
        });
        bytes += result.bytes;
        progress.done();
        noteKeptStages(ctx, kept, ref.component, result.stages);
        const aliases = result.aliases.length > 0 ? `, aliases ${result.aliases.join(', ')}` : '';
        const evidence = result.evidence ? `, ${result.evidence} evidence` : '';
        ctx.out(
          `${ref.component}:${result.version} ${result.status} (${result.copied} copied, ${result.existing} present, ${formatBytes(result.bytes)}${aliases}${evidence})\n`,
        );
      }
    },
    signal ? { signal } : {},
  );
  return 0;
}

/** Whether `text` names a component (`REPOSITORY//COMPONENT...`) rather than a whole repository. */
function isComponentRef(text: string): boolean {
  const scheme = /^(?:[A-Za-z]+::)?(?:(?:https?|oci|file):\/\/)?/.exec(text)?.[0] ?? '';
  return text.indexOf('//', scheme.length) >= 0;
}

/**
 * `transfer cv SOURCE_REPOSITORY TARGET_REPOSITORY`: every version of every component of a CTF or
 * registry prefix, `--jobs` versions at once. A version the target holds already costs one request
 * and is reported `unchanged`, so a rerun after an interruption copies only what is missing. A
 * version that fails is reported and the others go on; the exit code is 1 when any failed.
 */
async function runTransferRepository(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (flag(values, 'recursive')) throw new UsageError('--recursive takes a component reference');
  const conflict = oneOf(values, 'conflict', ['abort', 'skip', 'replace'] as const, 'abort');
  const concurrency = wholeNumber(values, 'concurrency', 4);
  const jobs = wholeNumber(values, 'jobs', 4);
  const { transferComponentVersion } = await import('../../repository/transfer.js');
  const source = await ctx.open(positionals[0]!, { readOnly: true });
  const target = await ctx.open(positionals[1]!, { create: true });
  const signal = ctx.io.signal;
  const op = signal ? { signal } : {};
  const copyResources = flag(values, 'copy-resources')
    ? { fetchArtifact: (await ctx.artifactSource()).fetchArtifact }
    : undefined;
  const components = await source.repository.listComponents(op);
  if (components.length === 0) throw new UsageError(`${positionals[0]} holds no components`);
  const tasks: { component: string; version: string; aliased: boolean }[] = [];
  for (const component of components) {
    const aliased = flag(values, 'copy-aliases')
      ? new Set((await source.repository.listComponentVersionAliases(component, op)).map((a) => a.version))
      : new Set<string | undefined>();
    for (const version of await source.repository.listComponentVersions(component, op))
      tasks.push({ component, version, aliased: aliased.has(version) });
  }
  const progress = ctx.progress();
  const counts = { copied: 0, unchanged: 0, skipped: 0, replaced: 0, failed: 0 };
  const kept = new Set<string>();
  let bytes = 0;
  let done = 0;
  const started = performance.now();
  const show = () =>
    progress.update(
      `transferring ${done}/${tasks.length} versions of ${components.length} components  ${formatBytes(bytes)}`,
    );
  await target.repository.batch(async (into) => {
    // At most `jobs` versions at once; a failed version is reported and counted, the others go on.
    // The versions in flight listen to the transfer's own signal, one listener each, removed when done.
    await withOperationSignal(signal, jobs + 8, (scoped) =>
      mapLimit(tasks, jobs, async (task) => {
        try {
          const result = await transferComponentVersion(
            source.repository,
            into,
            task.component,
            task.version,
            {
              conflict,
              concurrency,
              copyAliases: task.aliased,
              force: flag(values, 'force'),
              evidence: flag(values, 'evidence'),
              sourceName: positionals[0]!,
              ...(copyResources ? { copyResources } : {}),
              ...(scoped ? { signal: scoped } : {}),
              onProgress: show,
            },
          );
          counts[result.status]++;
          bytes += result.bytes;
          noteKeptStages(ctx, kept, task.component, result.stages);
          // An unchanged version is reported only when its aliases or their events were missing.
          if (result.status !== 'unchanged' || result.aliasesRecorded.length > 0) {
            progress.done();
            const aliases = result.aliases.length > 0 ? `, aliases ${result.aliases.join(', ')}` : '';
            ctx.out(
              `${task.component}:${result.version} ${result.status} (${result.copied} copied, ${result.existing} present, ${formatBytes(result.bytes)}${aliases})\n`,
            );
          }
        } catch (err) {
          if (signal?.aborted) throw err;
          counts.failed++;
          progress.done();
          ctx.io.stderr.write(`${task.component}:${task.version} failed: ${(err as Error).message}\n`);
        }
        done++;
        show();
      }),
    );
  }, op);
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  const parts = Object.entries(counts)
    .filter(([k, n]) => n > 0 || k === 'copied')
    .map(([k, n]) => `${n} ${k}`);
  ctx.out(
    `${components.length} components, ${tasks.length} versions: ${parts.join(', ')}; ${formatBytes(bytes)} in ${seconds.toFixed(1)} s\n`,
  );
  return counts.failed > 0 ? 1 : 0;
}

/** Says once per component that the target keeps its own stages document (the source's is not copied). */
function noteKeptStages(
  ctx: Context,
  said: Set<string>,
  component: string,
  stages: string | undefined,
): void {
  if (stages !== 'kept' || said.has(component)) return;
  said.add(component);
  ctx.io.stderr.write(
    `note: ${component}: the target keeps its own stages document; the source's was not copied, and the target's gates apply to the copied aliases\n`,
  );
}

function wholeNumber(values: Parsed['values'], name: string, fallback: number): number {
  const n = Number(str(values, name) ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UsageError(`--${name} takes a whole number from 1 to 64`);
  return n;
}
