import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Parsed } from '../args.js';
import { flag, oneOf, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseComponentRef } from '../ref.js';
import { json, type OutputFormat, outputFormats, table } from '../render.js';
import { journalOptions } from './promote.js';

/** `ocm set stages REPOSITORY//COMPONENT --file F` (or `REPOSITORY --all`). */
export async function runSetStages(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError(
      'set stages takes one reference',
      'usage: ocm set stages REPOSITORY//COMPONENT --file stages.yaml',
    );
  const file = str(values, 'file');
  if (!file) throw new UsageError('--file FILE is required');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(resolve(ctx.io.cwd, file));
  } catch (cause) {
    throw new UsageError(`cannot read --file ${file}: ${(cause as NodeJS.ErrnoException).code ?? cause}`);
  }
  const { parseStagesDocument, setStagePolicy } = await import('../../stages/policy/index.js');
  // Checked before any repository is opened: a refused document writes nothing anywhere.
  const doc = parseStagesDocument(bytes);
  const all = flag(values, 'all');
  const signal = ctx.io.signal;
  let components: string[] = [];
  const { repository } = await (async () => {
    if (all) {
      if (positionals[0]!.includes('//'))
        throw new UsageError(
          'with --all, name only the repository',
          'usage: ocm set stages REPOSITORY --all --file F',
        );
      const repositoryRef = positionals[0]!;
      const opened = await ctx.open(repositoryRef);
      components = await opened.repository.listComponents(signal ? { signal } : {});
      if (components.length === 0) throw new UsageError(`${repositoryRef} holds no components`);
      return opened;
    }
    const ref = parseComponentRef(positionals[0]!, { forbidVersion: true });
    components = [ref.component];
    return ctx.open(ref.repository);
  })();
  const rows: string[][] = [];
  for (const component of components) {
    const result = await setStagePolicy(repository, component, doc, {
      ...journalOptions(ctx, values),
      ...(signal ? { signal } : {}),
    });
    rows.push([component, result.status, result.digest]);
  }
  if (str(values, 'output') === 'json')
    ctx.out(json(rows.map(([component, status, digest]) => ({ component, status, digest }))));
  else ctx.out(table(['COMPONENT', 'STAGES', 'DOCUMENT'], rows));
  return 0;
}

/** `ocm get stages REPOSITORY//COMPONENT [-o table|yaml|json]`. */
export async function runGetStages(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('get stages takes one reference', 'usage: ocm get stages REPOSITORY//COMPONENT');
  const ref = parseComponentRef(positionals[0]!, { forbidVersion: true });
  const format = oneOf<OutputFormat>(values, 'output', outputFormats, 'table');
  const { getStagePolicy, formatDuration } = await import('../../stages/policy/index.js');
  const { repository } = await ctx.open(ref.repository, { readOnly: true });
  const signal = ctx.io.signal;
  const stored = await getStagePolicy(repository, ref.component, signal ? { signal } : {});
  if (stored === undefined) {
    const { NotFoundError } = await import('../../errors.js');
    throw new NotFoundError(`${ref.component} has no stages document`, {
      hint: 'set one with "ocm set stages REPOSITORY//COMPONENT --file stages.yaml"',
    });
  }
  if (format === 'yaml') {
    // The document exactly as it was written (and as its digest says).
    ctx.out(new TextDecoder().decode(stored.bytes));
    return 0;
  }
  if (format === 'json') {
    ctx.out(json(stored.document));
    return 0;
  }
  ctx.note(`stages document ${stored.digest}`);
  const dash = (s: string | undefined) => (s === undefined || s === '' ? '-' : s);
  ctx.out(
    table(
      ['STAGE', 'FROM', 'SOAK', 'FORWARD-ONLY', 'SIGNATURES', 'FREEZE', 'EVIDENCE'],
      stored.policy.stages.map((s) => [
        s.name,
        dash(s.from),
        dash(s.soak === undefined ? undefined : s.soak.text || formatDuration(s.soak.ms)),
        s.forwardOnly ? 'yes' : 'no',
        dash(s.signatures.map((x) => x.name).join(', ')),
        dash(
          s.freeze
            .map(
              (w) =>
                `${w.from.toISOString().replace('.000Z', 'Z')}..${w.until.toISOString().replace('.000Z', 'Z')}${w.reason ? ` (${w.reason})` : ''}`,
            )
            .join(', '),
        ),
        dash(
          [
            ...s.checks.map(
              (c) => `${c.name} by ${c.by.join('|')}${c.stage === undefined ? '' : ` in ${c.stage}`}`,
            ),
            ...(s.approvals === undefined
              ? []
              : [`${s.approvals.count} approvals of ${s.approvals.by.join('|')}`]),
          ].join(', '),
        ),
      ]),
    ),
  );
  return 0;
}
