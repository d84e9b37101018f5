import type { TrustedKey } from '../../attestation/index.js';
import type { OcmRepository } from '../../repository/index.js';
import type { HistoryEntry } from '../../stages/history/index.js';
import type { Parsed } from '../args.js';
import { oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { json, type OutputFormat, outputFormats, table, yaml } from '../render.js';
import { actorOf } from './actor.js';
import { moverKey } from './mover-key.js';
import { publicKeys } from './promote.js';

function positiveInteger(values: Parsed['values'], name: string): number | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(text))
    throw new UsageError(`--${name} takes a whole number >= 1, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** `5m ago`, `3h ago`, `2d ago`: for people at a terminal. */
export function relativeTime(time: string, now: number): string {
  const seconds = Math.round((now - Date.parse(time)) / 1000);
  if (seconds < 0) return time;
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  if (seconds < 86_400 * 60) return `${Math.floor(seconds / 86_400)}d ago`;
  return time.slice(0, 10);
}

/** One cell of text: a table cell never spans lines, so control characters are shown escaped. */
function cell(text: string | null): string {
  if (text === null || text === '') return '-';
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? JSON.stringify(c).slice(1, -1) : c;
  }
  return out;
}

/** The operation as the table shows it: a move forced past a stage's gates says so. */
function operation(e: HistoryEntry): string {
  return 'details' in e && e.details?.forced === true ? `${e.operation} (forced)` : e.operation;
}

export async function runGetHistory(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError(
      'get history takes one reference',
      'usage: ocm get history REPOSITORY//COMPONENT[:ALIAS]',
    );
  const ref = parseComponentRef(positionals[0]!);
  const format = oneOf<OutputFormat>(values, 'output', outputFormats, 'table');
  const limit = positiveInteger(values, 'limit');
  const since = str(values, 'since');
  const { getAliasHistory, parseTime } = await import('../../stages/history/index.js');
  // Parsed before anything is opened: a bad time changes nothing and reads nothing.
  const sinceTime = since === undefined ? undefined : parseTime(since);
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  // Who signed each move, against the stages document's trust and --public-key: read alongside.
  const [entries, trusted] = await Promise.all([
    getAliasHistory(repository, ref.component, {
      ...(ref.version === undefined ? {} : { alias: ref.version, elsewhere: true }),
      ...(limit === undefined ? {} : { limit }),
      ...(sinceTime === undefined ? {} : { since: sinceTime }),
      ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
    }),
    trustedSigners(ctx, values, repository, ref.component),
  ]);
  const { verifyEvent } = await import('../../stages/history/signed.js');
  const { remoteStage } = await import('../../stages/history/index.js');
  // A promotion into a stage of another repository, recorded where the candidate came from.
  const elsewhere = (e: HistoryEntry) => {
    const remote = e.operation === 'untracked' ? undefined : remoteStage(e);
    return remote === undefined ? null : `${remote.stage} @ ${remote.repository}`;
  };
  const verified = (e: HistoryEntry) => (e.operation === 'untracked' ? '-' : verifyEvent(e, trusted));
  // JSON and YAML carry `verified` for signed events only: an unsigned history keeps its shape.
  const marks = entries.map(verified);
  const out = entries.map((e, i) => ('signature' in e && e.signature ? { ...e, verified: marks[i]! } : e));
  if (format === 'json') ctx.out(json(out));
  else if (format === 'yaml') ctx.out(await yaml(out));
  else if (entries.length === 0) ctx.note(`${ref.component}: no recorded alias moves`);
  else {
    const now = Date.now();
    const when = (e: HistoryEntry) =>
      e.time === null ? '-' : ctx.io.isTTY ? relativeTime(e.time, now) : e.time;
    ctx.out(
      table(
        ['TIME', 'ALIAS', 'FROM', 'TO', 'OPERATION', 'BY', 'VERIFIED', 'MESSAGE'],
        entries.map((e, i) => [
          when(e),
          cell(e.alias ?? (e.operation === 'policy' ? '(stages)' : elsewhere(e))),
          cell(e.from?.version ?? null),
          'problem' in e && e.problem !== undefined ? '?' : cell(e.to?.version ?? null),
          operation(e),
          cell(e.actor),
          marks[i]!,
          cell(e.message ?? ('problem' in e ? (e.problem ?? null) : null)),
        ]),
      ),
    );
  }
  return 0;
}

export async function runRollbackCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError(
      'rollback cv takes one reference',
      'usage: ocm rollback cv REPOSITORY//COMPONENT:ALIAS',
    );
  const ref = parseComponentRef(positionals[0]!, { requireVersion: true });
  const steps = positiveInteger(values, 'steps') ?? 1;
  const message = str(values, 'message');
  const expect = str(values, 'expect');
  const { rollbackAlias } = await import('../../stages/history/index.js');
  const { repository } = await ctx.open(ref.repository);
  const result = await rollbackAlias(repository, ref.component, ref.version!, {
    steps,
    actor: actorOf(str(values, 'by'), ctx.io.env),
    ...(await moverKey(ctx, values)),
    ...(message === undefined ? {} : { message }),
    ...(expect === undefined ? {} : { expect }),
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  });
  const was = result.from ? `${result.from.version}` : 'absent';
  ctx.out(
    result.to
      ? `${ref.component}:${ref.version} -> ${result.to.version} ${result.to.digest} (was ${was})\n`
      : `removed ${ref.component}:${ref.version} (was ${was}; it did not exist before)\n`,
  );
  return 0;
}

/**
 * The keys a history's signed moves are checked against: the `trust` of the component's stages
 * document, and `--public-key NAME=FILE` (which wins for a name in both).
 */
async function trustedSigners(
  ctx: Context,
  values: Parsed['values'],
  repository: OcmRepository,
  component: string,
): Promise<TrustedKey[]> {
  const { loadVerifyingKey } = await import('../../attestation/index.js');
  const { getStagePolicy } = await import('../../stages/policy/index.js');
  const keys = new Map<string, Uint8Array | string>();
  const policy = await getStagePolicy(
    repository,
    component,
    ctx.io.signal ? { signal: ctx.io.signal } : {},
  ).catch(() => undefined);
  for (const t of (policy?.policy as { trust?: readonly { name: string; publicKey: string }[] } | undefined)
    ?.trust ?? [])
    keys.set(t.name, t.publicKey);
  for (const [name, bytes] of Object.entries(await publicKeys(ctx, values))) keys.set(name, bytes);
  return [...keys].map(([name, key]) => ({ name, key: loadVerifyingKey(key) }));
}
