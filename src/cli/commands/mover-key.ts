import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Parsed } from '../args.js';
import { str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';

/**
 * The key that signs this command's history events: `--key FILE`, else the file `OCM_SIGNING_KEY`
 * names; none when neither is given. Warns (never printing the key) when others may read the file.
 */
export async function moverKey(ctx: Context, values: Parsed['values']): Promise<{ signingKey?: KeyObject }> {
  const path = str(values, 'key') ?? (ctx.io.env.OCM_SIGNING_KEY?.trim() || undefined);
  if (path === undefined) return {};
  const full = resolve(ctx.io.cwd, path);
  const { keyFileModeWarning, loadSigningKey } = await import('../../attestation/index.js');
  let bytes: Buffer;
  try {
    const warning = keyFileModeWarning(path, (await stat(full)).mode);
    if (warning !== undefined) ctx.io.stderr.write(`${warning}\n`);
    bytes = await readFile(full);
  } catch (cause) {
    throw new UsageError(
      `cannot read the signing key ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
    );
  }
  return { signingKey: loadSigningKey(bytes) };
}
