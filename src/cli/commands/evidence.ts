import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { VerifiedEvidenceItem } from '../../stages/evidence/evidence.js';
import type { Parsed } from '../args.js';
import { oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { json, type OutputFormat, outputFormats, table, yaml } from '../render.js';
import { readPrivateKey } from './mover-key.js';
import { clock, publicKeys } from './promote.js';

/** `--key FILE`, required: the private key that signs the evidence. */
function evidenceKey(ctx: Context, path: string | undefined): Promise<Buffer> {
  if (!path) throw new UsageError('--key FILE is required: the private key that signs the evidence');
  return readPrivateKey(ctx, path);
}

function list(values: Parsed['values'], name: string): string[] {
  const v = values[name];
  return Array.isArray(v)
    ? v.filter((x): x is string => typeof x === 'string')
    : typeof v === 'string'
      ? [v]
      : [];
}

function op(ctx: Context): { signal?: AbortSignal } {
  return ctx.io.signal ? { signal: ctx.io.signal } : {};
}

function written(
  ctx: Context,
  values: Parsed['values'],
  what: string,
  result: { subject: { component: string; version: string; digest: string }; digest: string; tag: string },
): number {
  if (str(values, 'output') === 'json') {
    ctx.out(json(result));
    return 0;
  }
  ctx.out(
    `${what} ${result.subject.component}:${result.subject.version} (sha256:${result.subject.digest}): envelope ${result.digest}\n`,
  );
  return 0;
}

export async function runAttestCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('attest cv takes one reference REPOSITORY//COMPONENT:VERSION|ALIAS');
  const ref = parseComponentRef(positionals[0]!, { requireVersion: true });
  const check = str(values, 'check');
  const predicateType = str(values, 'predicate-type');
  if ((check === undefined) === (predicateType === undefined))
    throw new UsageError('give either --check NAME --result R, or --predicate-type URI --predicate FILE');
  const key = await evidenceKey(ctx, str(values, 'key'));
  const { attest } = await import('../../stages/evidence/evidence.js');
  let input: Parameters<typeof attest>[3];
  if (check !== undefined) {
    if (str(values, 'predicate') !== undefined)
      throw new UsageError('--predicate goes with --predicate-type');
    const result = oneOf(values, 'result', ['passed', 'warned', 'failed'] as const, '' as 'passed');
    const url = str(values, 'url');
    const stage = str(values, 'stage');
    input = {
      check,
      result,
      ...(url === undefined ? {} : { url }),
      ...(stage === undefined ? {} : { stage }),
      passedTests: list(values, 'passed'),
      warnedTests: list(values, 'warned'),
      failedTests: list(values, 'failed'),
    };
  } else {
    for (const f of ['result', 'url', 'stage', 'passed', 'warned', 'failed'])
      if (values[f] !== undefined) throw new UsageError(`--${f} goes with --check`);
    const file = str(values, 'predicate');
    if (file === undefined) throw new UsageError('--predicate-type needs --predicate FILE (a JSON object)');
    let predicate: unknown;
    try {
      predicate = JSON.parse(await readFile(resolve(ctx.io.cwd, file), 'utf8'));
    } catch (cause) {
      throw new UsageError(`cannot read --predicate ${file} as JSON: ${(cause as Error).message}`);
    }
    if (typeof predicate !== 'object' || predicate === null || Array.isArray(predicate))
      throw new UsageError(`--predicate ${file} must hold a JSON object`);
    input = { predicateType: predicateType!, predicate: predicate as Record<string, unknown> };
  }
  const { repository } = await ctx.open(ref.repository);
  const result = await attest(repository, ref.component, ref.version!, input, {
    key,
    now: clock(ctx),
    ...op(ctx),
  });
  const said =
    check !== undefined
      ? `attested ${check} ${String(str(values, 'result'))} on`
      : `attested ${predicateType} on`;
  return written(ctx, values, said, result);
}

export async function runApproveCv(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('approve cv takes one reference REPOSITORY//COMPONENT:VERSION|ALIAS');
  const ref = parseComponentRef(positionals[0]!, { requireVersion: true });
  const stage = str(values, 'stage');
  if (!stage) throw new UsageError('--stage STAGE is required: the stage this approval is for');
  const key = await evidenceKey(ctx, str(values, 'key'));
  const message = str(values, 'message');
  const { approve } = await import('../../stages/evidence/evidence.js');
  const { repository } = await ctx.open(ref.repository);
  const result = await approve(
    repository,
    ref.component,
    ref.version!,
    { stage, ...(message === undefined ? {} : { message }) },
    { key, now: clock(ctx), ...op(ctx) },
  );
  return written(ctx, values, `approved for ${stage}:`, result);
}

export async function runGetEvidence(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('get evidence takes one reference REPOSITORY//COMPONENT:VERSION|ALIAS');
  const ref = parseComponentRef(positionals[0]!, { requireVersion: true });
  const format = oneOf<OutputFormat>(values, 'output', outputFormats, 'table');
  const given = Object.entries(await publicKeys(ctx, values)).map(([name, publicKey]) => ({
    name,
    publicKey,
  }));
  const { listEvidence, verifyEvidence } = await import('../../stages/evidence/evidence.js');
  const { getStagePolicy, InvalidStagePolicyError } = await import('../../stages/policy/index.js');
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  const { subject, items } = await listEvidence(repository, ref.component, ref.version!, op(ctx));
  let trust: { name: string; publicKey: string | Uint8Array }[] = [];
  try {
    trust = [...((await getStagePolicy(repository, ref.component, op(ctx)))?.policy.trust ?? [])];
  } catch (err) {
    if (!(err instanceof InvalidStagePolicyError)) throw err;
    ctx.note(`the stages document cannot be read, so its trust is not used: ${err.message}`);
  }
  const verified = verifyEvidence(items, [
    ...given,
    ...trust.filter((t) => !given.some((g) => g.name === t.name)),
  ]);
  if (format !== 'table') {
    const out = { subject, items: verified.map(wire) };
    ctx.out(format === 'json' ? json(out) : await yaml(out));
    return 0;
  }
  if (ref.version !== subject.version) ctx.note(`${ref.version} -> ${subject.version}`);
  if (verified.length === 0) {
    ctx.note(`no evidence about ${ref.component}:${subject.version} (sha256:${subject.digest})`);
    return 0;
  }
  ctx.out(
    table(
      ['TYPE', 'NAME/STAGE', 'RESULT', 'SIGNER', 'VERIFIED', 'TIME'],
      verified.map((i) => [
        i.kind === 'other' ? (i.predicateType ?? '-') : i.kind,
        i.kind === 'check' ? `${i.name ?? '-'}${i.stage ? ` (${i.stage})` : ''}` : (i.stage ?? '-'),
        i.result ?? (i.kind === 'approval' ? 'approved' : '-'),
        i.signer ?? (i.keyid ? `keyid ${i.keyid.slice(0, 12)}…` : '-'),
        i.problem === undefined ? i.verified : `${i.verified}; ${i.problem}`,
        i.time ?? '-',
      ]),
    ),
  );
  return 0;
}

/** An item for -o json|yaml: the envelope exactly as stored, and what we read from it. */
function wire(i: VerifiedEvidenceItem): Record<string, unknown> {
  return {
    type: i.kind,
    ...(i.predicateType === undefined ? {} : { predicateType: i.predicateType }),
    ...(i.name === undefined ? {} : { name: i.name }),
    ...(i.stage === undefined ? {} : { stage: i.stage }),
    ...(i.result === undefined ? {} : { result: i.result }),
    ...(i.url === undefined ? {} : { url: i.url }),
    ...(i.time === undefined ? {} : { time: i.time }),
    signer: i.signer ?? null,
    verified: i.verified,
    ...(i.keyid === undefined ? {} : { keyid: i.keyid }),
    ...(i.problem === undefined ? {} : { problem: i.problem }),
    digest: i.digest,
    tag: i.tag,
    envelope: i.bytes === undefined ? null : JSON.parse(Buffer.from(i.bytes).toString('utf8')),
  };
}
