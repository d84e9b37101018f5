import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Parsed } from '../args.js';
import { flag, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { json } from '../render.js';

async function readKey(ctx: Context, path: string | undefined, flagName: string): Promise<Buffer> {
  if (!path) throw new UsageError(`${flagName} FILE is required`);
  try {
    return await readFile(resolve(ctx.io.cwd, path));
  } catch (cause) {
    throw new UsageError(
      `cannot read ${flagName} ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
    );
  }
}

export async function runSignCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('sign cv takes one reference REPOSITORY//COMPONENT:VERSION|ALIAS');
  const ref = parseComponentRef(positionals[0]!, { requireVersion: true });
  const name = str(values, 'signature');
  if (!name) throw new UsageError('--signature NAME is required');
  const privateKey = await readKey(ctx, str(values, 'private-key'), '--private-key');
  const { signComponentVersion } = await import('../../repository/signing.js');
  const { repository } = await ctx.open(ref.repository);
  const algorithm = str(values, 'algorithm');
  const hash = str(values, 'hash');
  const normalisation = str(values, 'normalisation');
  const encoding = str(values, 'encoding');
  if (encoding !== undefined && encoding !== 'hex' && encoding !== 'pem')
    throw new UsageError('--encoding is hex or pem');
  const result = await signComponentVersion(repository, ref.component, ref.version!, {
    name,
    privateKey,
    ...(algorithm ? { algorithm } : {}),
    ...(hash ? { hash } : {}),
    ...(normalisation ? { normalisation } : {}),
    ...(encoding ? { encoding } : {}),
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  });
  if (str(values, 'output') === 'json') {
    ctx.out(json(result));
    return 0;
  }
  ctx.out(
    `signed ${ref.component}:${result.version} as ${name} (${result.signature.algorithm}, ${result.signature.digest.normalisationAlgorithm} ${result.signature.digest.hashAlgorithm}:${result.signature.digest.value})\n`,
  );
  if (result.digest !== result.previousDigest)
    ctx.out(`  manifest ${result.previousDigest} -> ${result.digest}\n`);
  if (result.movedAliases.length > 0) ctx.out(`  moved aliases: ${result.movedAliases.join(', ')}\n`);
  return 0;
}

export async function runVerifyCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('verify cv takes one reference REPOSITORY//COMPONENT:VERSION|ALIAS');
  const ref = parseComponentRef(positionals[0]!, { requireVersion: true });
  if (flag(values, 'recursive')) {
    const keyFile = str(values, 'public-key');
    const key = keyFile === undefined ? undefined : await readKey(ctx, keyFile, '--public-key');
    return (await import('./tree.js')).runVerifyTree(ctx, values, ref, key);
  }
  if (values.lookup !== undefined) throw new UsageError('--lookup goes with --recursive');
  const publicKey = await readKey(ctx, str(values, 'public-key'), '--public-key');
  const { verifyComponentVersion } = await import('../../repository/signing.js');
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  const name = str(values, 'signature');
  const result = await verifyComponentVersion(repository, ref.component, ref.version!, {
    publicKey,
    ...(name ? { name } : {}),
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  });
  if (str(values, 'output') === 'json') {
    ctx.out(json(result));
    return 0;
  }
  const via = result.kind === 'version' ? '' : ` (via ${result.requested})`;
  ctx.out(
    `verified ${ref.component}:${result.version}${via}: signature ${result.signature.name} (${result.signature.algorithm}) over ${result.signature.digest.hashAlgorithm}:${result.signature.digest.value}, ${result.resources.length} resources and ${result.references.length} references checked\n`,
  );
  return 0;
}
