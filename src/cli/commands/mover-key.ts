import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Parsed } from '../args.js';
import { str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';

/** Reads a private key file, warning (never printing the key) when others may read it. */
export async function readPrivateKey(ctx: Context, path: string): Promise<Buffer> {
  const full = resolve(ctx.io.cwd, path);
  try {
    const { keyFileModeWarning } = await import('../../attestation/index.js');
    const warning = keyFileModeWarning(path, (await stat(full)).mode);
    if (warning !== undefined) ctx.io.stderr.write(`${warning}\n`);
    return await readFile(full);
  } catch (cause) {
    throw new UsageError(
      `cannot read the key ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
    );
  }
}

/**
 * The key that signs this command's history events: `--key FILE`, else the file `OCM_SIGNING_KEY`
 * names; none when neither is given.
 */
export async function moverKey(ctx: Context, values: Parsed['values']): Promise<{ signingKey?: KeyObject }> {
  const path = str(values, 'key') ?? (ctx.io.env.OCM_SIGNING_KEY?.trim() || undefined);
  if (path === undefined) return {};
  const bytes = await readPrivateKey(ctx, path);
  const { loadSigningKey } = await import('../../attestation/index.js');
  return { signingKey: loadSigningKey(bytes) };
}
