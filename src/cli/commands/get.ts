import semver from 'semver';
import type { Parsed } from '../args.js';
import { flag, oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { json, type OutputFormat, outputFormats, table, yaml } from '../render.js';

export async function runGetCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError(
      'get cv takes one reference',
      'usage: ocm get cv REPOSITORY//COMPONENT[:VERSION|:ALIAS]',
    );
  const ref = parseComponentRef(positionals[0]!);
  if (flag(values, 'recursive')) return (await import('./tree.js')).runGetTree(ctx, values, ref);
  if (values.lookup !== undefined) throw new UsageError('--lookup goes with --recursive');
  const format = oneOf<OutputFormat>(values, 'output', outputFormats, 'table');
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  const signal = ctx.io.signal;
  const at = str(values, 'at');
  if (at !== undefined && ref.version === undefined)
    throw new UsageError('--at needs an alias: REPOSITORY//COMPONENT:ALIAS');
  if (ref.version !== undefined) {
    if (flag(values, 'latest') || str(values, 'semver-constraint'))
      throw new UsageError('--latest and --semver-constraint apply only when no version is named');
    let name = ref.version;
    if (at !== undefined) {
      // Where the alias pointed then, from its history; the descriptor is read by that digest.
      const { parseTime, resolveAliasAt } = await import('../../stages/history/index.js');
      const found = await resolveAliasAt(repository, ref.component, ref.version, parseTime(at), {
        ...(signal ? { signal } : {}),
      });
      ctx.note(
        `${ref.version} at ${at} -> ${found.version} (${found.event.operation} at ${found.event.time} by ${found.event.actor})`,
      );
      name = found.digest;
    }
    const { descriptor, resolution } = await repository.getComponentVersion(ref.component, name, {
      ...(signal ? { signal } : {}),
    });
    if (resolution.kind !== 'version')
      ctx.note(
        `${resolution.requested} -> ${resolution.version} (${resolution.kind === 'alias' ? 'alias' : 'computed'}, ${resolution.digest})`,
      );
    if (format !== 'table') {
      // Beside the descriptor: how the name resolved (an alias read --at a time is still that alias).
      const { normalisedDigest, resolutionJson } = await import('./resolution.js');
      const shown = {
        ...descriptor,
        resolution: {
          ...resolutionJson(
            at === undefined ? resolution : { ...resolution, requested: ref.version, kind: 'alias' },
          ),
          ...(at === undefined ? {} : { at }),
        },
        descriptorDigest: await normalisedDigest(descriptor),
      };
      ctx.out(format === 'json' ? json(shown) : await yaml(shown, { goStyle: true }));
    } else {
      const name =
        resolution.kind === 'version'
          ? resolution.version
          : `${resolution.version} (${resolution.requested})`;
      ctx.out(
        table(
          ['COMPONENT', 'VERSION', 'PROVIDER', 'DIGEST'],
          [[ref.component, name, providerName(descriptor.component.provider), resolution.digest]],
        ),
      );
    }
    return 0;
  }
  // One listing of the tags serves both the versions and the aliases.
  const listed = await repository.listComponentVersionsAndAliases(ref.component, {
    verify: flag(values, 'verify'),
    onSkip: (tag, err) => ctx.note(`skipped tag ${tag}: ${err.message}`),
    ...(signal ? { signal } : {}),
  });
  let versions = listed.versions;
  const constraint = str(values, 'semver-constraint');
  if (constraint !== undefined) {
    const range = validRange(constraint);
    versions = versions.filter((v) => {
      const parsed = semver.parse(fullSemver(v));
      return parsed !== null && semver.satisfies(parsed, range, { includePrerelease: true });
    });
  }
  if (flag(values, 'latest')) versions = versions.slice(0, 1);
  const byVersion = new Map<string, string[]>();
  for (const a of listed.aliases)
    if (a.version) byVersion.set(a.version, [...(byVersion.get(a.version) ?? []), a.alias]);
  const rows = versions.map((v) => ({
    component: ref.component,
    version: v,
    aliases: byVersion.get(v) ?? [],
  }));
  if (format === 'json') ctx.out(json(rows));
  else if (format === 'yaml') ctx.out(await yaml(rows));
  else if (rows.length === 0) ctx.note(`${ref.component}: no versions`);
  else
    ctx.out(
      table(
        ['COMPONENT', 'VERSION', 'ALIASES'],
        rows.map((r) => [r.component, r.version, r.aliases.join(', ')]),
      ),
    );
  return 0;
}

export async function runGetAliases(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('get aliases takes one reference: REPOSITORY//COMPONENT');
  const ref = parseComponentRef(positionals[0]!, { forbidVersion: true });
  const format = oneOf<OutputFormat>(values, 'output', outputFormats, 'table');
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  const aliases = await repository.listComponentVersionAliases(
    ref.component,
    ctx.io.signal ? { signal: ctx.io.signal } : {},
  );
  if (format === 'json') ctx.out(json(aliases));
  else if (format === 'yaml') ctx.out(await yaml(aliases));
  else if (aliases.length === 0) ctx.note(`${ref.component}: no aliases`);
  else
    ctx.out(
      table(
        ['ALIAS', 'VERSION', 'DIGEST'],
        aliases.map((a) => [a.alias, a.version ?? `(${a.problem})`, a.digest ?? '']),
      ),
    );
  return 0;
}

function providerName(provider: string): string {
  if (!provider.trim().startsWith('{')) return provider;
  try {
    const p = JSON.parse(provider) as { name?: unknown };
    return typeof p.name === 'string' ? p.name : provider;
  } catch {
    return provider;
  }
}

function validRange(text: string): string {
  const range = semver.validRange(text, { loose: true, includePrerelease: true });
  if (range === null)
    throw new UsageError(`--semver-constraint ${JSON.stringify(text)} is not a semver range`);
  return range;
}

/** A relaxed version (`v1.2`) as full semver (`1.2.0`): leading `v` dropped, missing parts 0. */
function fullSemver(version: string): string {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(version);
  return m ? `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}${m[4]}` : version;
}
