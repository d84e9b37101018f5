import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Parsed } from '../args.js';
import { str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { formatBytes } from '../render.js';

export async function runDownloadResource(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length < 2) throw new UsageError('download resource needs a reference and a resource name');
  const ref = parseComponentRef(positionals[0]!, { requireVersion: true });
  const identity: Record<string, string> = { name: positionals[1]! };
  for (const pair of positionals.slice(2)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`extra identity ${JSON.stringify(pair)} is not KEY=VALUE`);
    identity[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  const blob = await repository.getLocalResource(
    ref.component,
    ref.version!,
    identity,
    ctx.io.signal ? { signal: ctx.io.signal } : {},
  );
  const file = str(values, 'output-file');
  if (file === undefined || file === '-') {
    for await (const chunk of blob.content) ctx.io.stdout.write(chunk as never);
    return 0;
  }
  const target = resolve(ctx.io.cwd, file);
  const tmp = join(dirname(target), `.${randomBytes(6).toString('hex')}.ocm-download`);
  try {
    await pipeline(blob.content, createWriteStream(tmp, { flags: 'wx' }));
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const via = blob.resolution.kind === 'version' ? '' : ` via ${blob.resolution.requested}`;
  ctx.note(
    `${identity.name} of ${ref.component}:${blob.resolution.version}${via}: ${formatBytes(blob.descriptor.size)} to ${file}`,
  );
  return 0;
}
