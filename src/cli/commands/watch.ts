import { spawn } from 'node:child_process';
import { canWatch } from '../../oci/content/guards.js';
import { aliasProblem } from '../../repository/aliases.js';
import type { OcmRepository } from '../../repository/index.js';
import { type AliasMove, watchAlias } from '../../stages/watch.js';
import type { Parsed } from '../args.js';
import { oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { normalisedDigest, resolutionJson } from './resolution.js';

const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30s`, `500ms`, `2m`, `1h`, or a bare number of seconds, in ms; at least 100 ms. */
export function parseInterval(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * units[m[2] ?? 's']! : Number.NaN;
  if (!Number.isFinite(ms) || ms < 100)
    throw new UsageError(
      `--interval ${JSON.stringify(text)} is not a duration of at least 100ms`,
      'e.g. 30s, 2m, 500ms',
    );
  return ms;
}

/**
 * `ocm get cv REF:ALIAS --watch`: one line per move (JSON lines with `-o json`) until SIGINT or
 * SIGTERM, then exit 0. `--exec CMD` runs `sh -c CMD` after each move, one at a time, with the move in
 * its environment; a failing CMD is reported and the watch goes on. Failed looks are reported on
 * stderr and retried with backoff (see `watchAlias`).
 */
export async function runWatchCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError(
      'get cv --watch takes one reference',
      'usage: ocm get cv REPOSITORY//COMPONENT:ALIAS --watch [--interval 30s] [--exec CMD]',
    );
  if (values.watch !== true) throw new UsageError('--interval and --exec go with --watch');
  for (const f of ['latest', 'semver-constraint', 'verify'])
    if (values[f] !== undefined) throw new UsageError(`--${f} does not go with --watch`);
  const ref = parseComponentRef(positionals[0]!);
  const alias = ref.version;
  if (alias === undefined || aliasProblem(alias) !== undefined) {
    throw new UsageError(
      `--watch needs an alias (${alias === undefined ? 'none given' : `${JSON.stringify(alias)} is not one`})`,
      'usage: ocm get cv REPOSITORY//COMPONENT:ALIAS --watch [--interval 30s] [--exec CMD]',
    );
  }
  const format = oneOf(values, 'output', ['table', 'json'] as const, 'table');
  const intervalText = str(values, 'interval');
  const interval = intervalText === undefined ? 30_000 : parseInterval(intervalText);
  const command = str(values, 'exec');
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  const signal = ctx.io.signal;
  const how = canWatch(repository.ociStore(ref.component))
    ? `through file-system notification (polling every ${seconds(interval)} where there is none)`
    : `every ${seconds(interval)}`;
  let first = true;
  for await (const move of watchAlias(repository, ref.component, alias, {
    interval,
    initial: true,
    ...(signal ? { signal } : {}),
    onError: (err, f) =>
      ctx.note(
        `watch: look ${f.failures} in a row failed (${err.message}); next try in ${seconds(f.retryIn)}`,
      ),
    onRecover: (n) => ctx.note(`watch: ${ref.component}:${alias} readable again after ${n} failed looks`),
  })) {
    if (first) {
      first = false;
      ctx.note(
        `watching ${ref.component}:${alias} ${how}: ${move.to ? `${move.to.version} (${move.to.digest})` : 'not set'}`,
      );
      continue;
    }
    ctx.out(
      format === 'json' ? `${JSON.stringify(await moveJson(repository, move, signal))}\n` : `${line(move)}\n`,
    );
    if (command !== undefined) await execute(ctx, command, move, signal);
  }
  return 0;
}

/**
 * A move as a JSON line: the move, and where the alias now resolves as `get cv -o json` says it
 * (`resolution`, `descriptorDigest`: one read of the descriptor per move); both null once removed.
 */
async function moveJson(repository: OcmRepository, move: AliasMove, signal: AbortSignal | undefined) {
  if (!move.to) return { ...move, resolution: null, descriptorDigest: null };
  const { descriptor } = await repository.getComponentVersion(move.component, move.to.digest, {
    ...(signal ? { signal } : {}),
  });
  return {
    ...move,
    resolution: resolutionJson({ requested: move.alias, kind: 'alias', ...move.to }),
    descriptorDigest: await normalisedDigest(descriptor),
  };
}

function line(m: AliasMove): string {
  const to = m.to ? `${m.to.version} ${m.to.digest}` : '(removed)';
  return `${m.time} ${m.component}:${m.alias} ${m.from?.version ?? '(none)'} -> ${to}`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Runs the command for one move; resolves when it ends (or is stopped by `signal`). */
function execute(ctx: Context, command: string, move: AliasMove, signal: AbortSignal | undefined) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.io.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    OCM_COMPONENT: move.component,
    OCM_ALIAS: move.alias,
    OCM_VERSION: move.to?.version ?? '',
    OCM_DIGEST: move.to?.digest ?? '',
    OCM_PREVIOUS_VERSION: move.from?.version ?? '',
  });
  return new Promise<void>((resolve) => {
    const child = spawn('sh', ['-c', command], {
      cwd: ctx.io.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    child.stdout.on('data', (c: Buffer) => ctx.io.stdout.write(c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => ctx.io.stderr.write(c.toString('utf8')));
    child.on('error', (err) => {
      if (!signal?.aborted) ctx.note(`watch: --exec could not run: ${err.message}`);
      resolve();
    });
    child.on('close', (code, sig) => {
      if (signal?.aborted) return resolve();
      if (code !== 0)
        ctx.note(`watch: --exec ended with ${code === null ? `signal ${sig}` : `exit code ${code}`}`);
      resolve();
    });
  });
}
