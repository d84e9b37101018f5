import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Parsed } from '../args.js';
import { str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';

/**
 * Who the history records as the actor of a change, when `--by` is not given (docs/history.md):
 * `OCM_ACTOR`, else the CI's user and run where one is detected, else `user@host`. Self-declared:
 * it says who claims to have acted, not who was authenticated.
 */
export function defaultActor(env: Readonly<Record<string, string | undefined>>): string {
  if (env.OCM_ACTOR?.trim()) return env.OCM_ACTOR.trim().slice(0, 256);
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_ACTOR)
    return `${env.GITHUB_ACTOR} (github ${env.GITHUB_REPOSITORY ?? ''} run ${env.GITHUB_RUN_ID ?? '?'})`.slice(
      0,
      256,
    );
  if (env.GITLAB_CI === 'true')
    return `${env.GITLAB_USER_LOGIN ?? 'gitlab'} (gitlab ${env.CI_PROJECT_PATH ?? ''} job ${env.CI_JOB_ID ?? '?'})`.slice(
      0,
      256,
    );
  if (env.CI && (env.BUILD_URL || env.CI_BUILD_ID || env.BUILD_ID))
    return `ci (${env.BUILD_URL ?? env.CI_BUILD_ID ?? env.BUILD_ID})`.slice(0, 256);
  let user = env.USER ?? env.LOGNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`.slice(0, 256);
}

/** `--by`, else the default actor. */
export function actorOf(by: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return by ?? defaultActor(env);
}

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
