/**
 * The `--recursive` forms of `get cv`, `transfer cv` and `verify cv`: component versions with
 * everything they reference, found in the reference's repository and then in `--lookup` repositories.
 */
import type { OpenedRepository } from '../../open.js';
import type { ReferenceNode } from '../../repository/index.js';
import type { DigestSpec } from '../../signing/index.js';
import type { Parsed } from '../args.js';
import { flag, oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import type { ComponentRef } from '../ref.js';
import { formatBytes, json, type OutputFormat, outputFormats, table, yaml } from '../render.js';
import { normalisedDigest, type ResolutionJson, resolutionJson } from './resolution.js';

/** `--lookup REPO`, repeatable: opened read-only, in the order given. */
export async function openLookups(ctx: Context, values: Parsed['values']): Promise<OpenedRepository[]> {
  const given = values.lookup;
  const refs = given === undefined ? [] : Array.isArray(given) ? given : [String(given)];
  const opened: OpenedRepository[] = [];
  for (const ref of refs) opened.push(await ctx.open(ref, { readOnly: true }));
  return opened;
}

interface TreeJson {
  component: string;
  version: string;
  digest: string;
  referenceName?: string;
  repeated?: true;
  resolution: ResolutionJson;
  descriptorDigest: DigestSpec;
  references: TreeJson[];
}

async function treeJson(node: ReferenceNode): Promise<TreeJson> {
  return {
    component: node.component,
    version: node.version,
    digest: node.digest,
    ...(node.referenceName === undefined ? {} : { referenceName: node.referenceName }),
    ...(node.repeated ? { repeated: true as const } : {}),
    resolution: resolutionJson(node.found.resolution),
    descriptorDigest: await normalisedDigest(node.found.descriptor),
    references: await Promise.all(node.children.map(treeJson)),
  };
}

/** `get cv REF --recursive`: the reference tree, indented, or nested in JSON/YAML. */
export async function runGetTree(ctx: Context, values: Parsed['values'], ref: ComponentRef): Promise<number> {
  if (ref.version === undefined)
    throw new UsageError(
      'get cv --recursive needs a version or alias',
      'e.g. ocm get cv ./ctf//COMPONENT:1.0.0 -r',
    );
  const format = oneOf<OutputFormat>(values, 'output', outputFormats, 'table');
  const { walkReferences, RepositoryListResolver, treeNodes } = await import('../../repository/index.js');
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  const lookups = await openLookups(ctx, values);
  const signal = ctx.io.signal;
  const walk = await walkReferences(
    new RepositoryListResolver([repository, ...lookups.map((l) => l.repository)]),
    repository,
    ref.component,
    ref.version,
    signal ? { signal } : {},
  );
  if (format === 'json') ctx.out(json(await treeJson(walk.root)));
  else if (format === 'yaml') ctx.out(await yaml(await treeJson(walk.root)));
  else
    ctx.out(
      table(
        ['COMPONENT', 'VERSION', 'DIGEST', 'REFERENCE NAME'],
        [...treeNodes(walk.root)].map(({ node, depth }) => [
          `${'  '.repeat(depth)}${node.component}`,
          node.version,
          node.digest,
          `${node.referenceName ?? ''}${node.repeated ? ' (see above)' : ''}`,
        ]),
      ),
    );
  return 0;
}

/** `transfer cv SRC TARGET --recursive`: the tree, leaves first, into one target batch. */
export async function runTransferTree(
  ctx: Context,
  values: Parsed['values'],
  ref: ComponentRef,
  targetRef: string,
  common: { conflict: 'abort' | 'skip' | 'replace'; concurrency: number },
): Promise<number> {
  if (ref.version === undefined)
    throw new UsageError('transfer cv --recursive needs a version or alias of the root component');
  if (flag(values, 'copy-resources'))
    throw new UsageError('--recursive and --copy-resources cannot be combined yet');
  const { transferComponentVersionRecursive } = await import('../../repository/index.js');
  const source = await ctx.open(ref.repository, { readOnly: true });
  const lookups = await openLookups(ctx, values);
  const target = await ctx.open(targetRef, { create: true });
  const signal = ctx.io.signal;
  const progress = ctx.progress();
  const version = ref.version;
  const result = await target.repository.batch(
    (into) =>
      transferComponentVersionRecursive(source.repository, into, ref.component, version, {
        ...common,
        lookup: lookups.map((l) => l.repository),
        copyAliases: flag(values, 'copy-aliases'),
        evidence: flag(values, 'evidence'),
        ...(signal ? { signal } : {}),
        onVersion: (e) =>
          progress.update(`transferring ${e.index + 1}/${e.total} ${e.component}:${e.version}`, true),
      }),
    signal ? { signal } : {},
  );
  progress.done();
  if (str(values, 'output') === 'json') {
    ctx.out(json(result.results));
    return 0;
  }
  for (const r of result.results) {
    const aliases = r.aliases.length > 0 ? `, aliases ${r.aliases.join(', ')}` : '';
    ctx.out(
      `${r.component}:${r.version} ${r.status} (${r.copied} copied, ${r.existing} present, ${formatBytes(r.bytes)}${aliases})\n`,
    );
  }
  const copied = result.results.filter((r) => r.status === 'copied' || r.status === 'replaced').length;
  ctx.note(`${result.results.length} component versions, ${copied} copied`);
  return 0;
}

/** `verify cv REF --recursive [--public-key F]`: every version of the tree against its content. */
export async function runVerifyTree(
  ctx: Context,
  values: Parsed['values'],
  ref: ComponentRef,
  publicKey: Buffer | undefined,
): Promise<number> {
  const { verifyComponentVersionTree } = await import('../../repository/index.js');
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  const lookups = await openLookups(ctx, values);
  const name = str(values, 'signature');
  const result = await verifyComponentVersionTree(repository, ref.component, ref.version!, {
    lookup: lookups.map((l) => l.repository),
    ...(publicKey ? { publicKey } : {}),
    ...(name ? { name } : {}),
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  });
  if (str(values, 'output') === 'json') {
    ctx.out(json({ checks: result.checks, ...(result.signature ? { signature: result.signature } : {}) }));
    return 0;
  }
  ctx.out(
    table(
      ['COMPONENT', 'VERSION', 'RESOURCES', 'REFERENCES', 'RESULT'],
      result.checks.map((c) => [
        c.component,
        c.version,
        String(c.resources.length),
        c.undigested.length > 0
          ? `${c.references.length} (${c.undigested.length} without digest)`
          : String(c.references.length),
        'verified',
      ]),
    ),
  );
  if (result.signature)
    ctx.out(
      `signature ${result.signature.signature.name} (${result.signature.signature.algorithm}) of ${ref.component}:${result.signature.version} verified\n`,
    );
  return 0;
}
