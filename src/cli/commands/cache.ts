import type { Parsed } from '../args.js';
import { oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { formatBytes } from '../render.js';

const NO_CACHE = 'no cache directory: set OCM_CACHE_DIR, XDG_CACHE_HOME or HOME (and leave out --no-cache)';

/** `ocm cache info`: where the cache is, and what it holds. */
export async function runCacheInfo(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 0) throw new UsageError('cache info takes no arguments');
  const output = oneOf(values, 'output', ['table', 'json'] as const, 'table');
  const cache = await ctx.cache();
  if (!cache) throw new UsageError(NO_CACHE);
  const info = await cache.info();
  if (output === 'json') ctx.out(`${JSON.stringify(info, null, 2)}\n`);
  else {
    ctx.out(
      `directory  ${info.dir}\nentries    ${info.entries} (and ${info.refs} tag hints)\nsize       ${formatBytes(info.bytes)} of ${formatBytes(info.maxBytes)}\n`,
    );
  }
  return 0;
}

/** `ocm cache prune [--keep SIZE]`: removes the least recently used entries (all by default). */
export async function runCachePrune(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 0) throw new UsageError('cache prune takes no arguments');
  const keep = parseSize(str(values, 'keep') ?? '0');
  const cache = await ctx.cache();
  if (!cache) throw new UsageError(NO_CACHE);
  const removed = await cache.prune(keep);
  ctx.out(`removed ${removed.files} entries (${formatBytes(removed.bytes)}) from ${cache.dir}\n`);
  return 0;
}

/** `512MiB`, `1GiB`, `100000`: bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*(B|KiB|MiB|GiB|K|M|G)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`not a size: ${JSON.stringify(text)}`, 'use bytes or KiB, MiB, GiB: 512MiB');
  const unit = (m[2] ?? 'B').toUpperCase()[0]!;
  const factor = unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1;
  const n = Number(m[1]) * factor;
  if (!Number.isSafeInteger(n)) throw new UsageError(`size too large: ${JSON.stringify(text)}`);
  return n;
}
