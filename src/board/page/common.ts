/** Pieces shared by the views: the live region, ages, links, digests, refusals and stage cells. */
import type { BoardComponent, StageCell } from '../api.js';
import { RequestFailed } from './client.js';
import { type Child, h } from './dom.js';

export function announce(text: string): void {
  const live = document.getElementById('live');
  if (live) live.textContent = text;
}

/** `3d 4h`, `5h 10m`, `12m`, `40s`: how long ago `since` was, at `now`. */
export function age(since: string | null, now: Date): string | undefined {
  if (!since) return undefined;
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000));
  const d = Math.floor(s / 86400);
  const hrs = Math.floor((s % 86400) / 3600);
  const min = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${hrs}h`;
  if (hrs > 0) return `${hrs}h ${min}m`;
  if (min > 0) return `${min}m`;
  return `${s}s`;
}

export function componentHref(repository: number, name: string): string {
  return `#/c/${repository}/${encodeURIComponent(name)}`;
}

/** A digest shortened to 12 characters; the whole one in its title. */
export function digestCode(digest: string | null | undefined): Child {
  return digest
    ? h('code', { title: digest }, digest.length > 12 ? `${digest.slice(0, 12)}…` : digest)
    : null;
}

export interface GateResult {
  readonly gate: string;
  readonly signature?: string;
  /** The required check a `checks` gate is about. */
  readonly check?: string;
  readonly result: string;
  readonly detail: string;
}

/** A refused request: its message, hint and the gates that refused. */
export function refusal(err: unknown): HTMLElement {
  if (err instanceof RequestFailed) {
    const gates = (err.error.details as { refused?: readonly GateResult[] } | undefined)?.refused;
    return h(
      'div',
      { class: 'refused', role: 'alert' },
      h('p', {}, h('strong', {}, 'Refused: '), err.error.message),
      err.error.hint ? h('p', {}, err.error.hint) : null,
      gates?.length
        ? h(
            'ul',
            {},
            gates.map((g) => h('li', {}, `${g.gate}: ${g.detail}`)),
          )
        : null,
    );
  }
  return h('p', { class: 'refused', role: 'alert' }, String((err as Error).message ?? err));
}

/** The version's checks and approvals for the stages it feeds: ✓ e2e, ✗ perf, 1/2 approvals. */
function evidenceMarks(v: StageCell): Child[] {
  if (v.evidence === undefined) return [];
  if (v.evidence === null)
    return [h('span', { class: 'mark unverified', title: 'the evidence could not be read' }, 'evidence ?')];
  const marks: Child[] = [];
  for (const e of v.evidence) {
    for (const c of e.checks) {
      const ok = c.result === 'PASSED' || c.result === 'WARNED';
      marks.push(
        h(
          'span',
          {
            class: `mark evidence ${ok ? 'signed' : 'unverified'}`,
            title: `${c.name} for ${e.stage}: ${c.result ?? 'no signed result'}`,
          },
          `${ok ? '✓' : c.result === 'FAILED' ? '✗' : '○'} ${c.name}`,
        ),
      );
    }
    if (e.approvals)
      marks.push(
        h(
          'span',
          {
            class: `mark evidence ${e.approvals.have >= e.approvals.need ? 'signed' : 'unsigned'}`,
            title: `approvals for ${e.stage}${e.approvals.by.length ? `: ${e.approvals.by.join(', ')}` : ''}`,
          },
          `${e.approvals.have}/${e.approvals.need} approvals`,
        ),
      );
  }
  return marks;
}

/**
 * A column head: the stage, and under it where the stage lives for the rows that keep it in another
 * repository (their stages documents' `repository:`).
 */
export function stageHead(stage: string, rows: readonly BoardComponent[]): HTMLTableCellElement {
  const where = [
    ...new Set(rows.flatMap((c) => (c.elsewhere?.[stage] === undefined ? [] : [c.elsewhere[stage]]))),
  ].sort();
  return h(
    'th',
    { scope: 'col' },
    stage,
    where.length
      ? h('span', { class: 'where', title: `${stage} lives in ${where.join(', ')}` }, where.join(', '))
      : null,
  );
}

/** One stage cell: version, signature, lag and evidence marks, time in the stage; `—` where the stage is empty. */
export function cell(c: BoardComponent, stage: string, now: Date): HTMLTableCellElement {
  const v: StageCell | undefined = c.stages[stage];
  const attrs = { 'data-component': c.name, 'data-stage': stage, 'data-repository': c.repository };
  const unavailable = c.unavailable?.[stage];
  if (!v && unavailable !== undefined)
    return h(
      'td',
      { ...attrs, class: 'cell unavailable' },
      h('span', { class: 'mark unverified' }, 'unavailable'),
      h('span', { class: 'meta reason' }, unavailable),
    );
  if (!v) return h('td', { ...attrs, class: 'cell empty' }, h('span', { 'aria-label': 'not set' }, '—'));
  const signed = v.signatures && v.signatures.length > 0;
  const marks: Child[] = [];
  if (v.verified === true)
    marks.push(h('span', { class: 'mark signed', title: 'signed, verified' }, '✔ verified'));
  else if (v.verified === false)
    marks.push(
      h(
        'span',
        { class: 'mark unverified', title: 'a required signature does not verify' },
        '✘ not verified',
      ),
    );
  else if (signed)
    marks.push(h('span', { class: 'mark signed', title: `signed: ${v.signatures!.join(', ')}` }, '✔ signed'));
  else if (v.signatures) marks.push(h('span', { class: 'mark unsigned', title: 'no signature' }, 'unsigned'));
  if (v.move)
    marks.push(
      v.move.verified
        ? h('span', { class: 'mark signed move', title: v.move.detail }, `✔ moved by ${v.move.signer}`)
        : h('span', { class: 'mark unverified move', title: v.move.detail }, '⚠ untrusted move'),
    );
  if (v.lagsBehind)
    marks.push(h('span', { class: 'mark lag', title: `behind ${v.lagsBehind}` }, `⚠ behind ${v.lagsBehind}`));
  marks.push(...evidenceMarks(v));
  const shownAge = age(v.since, now);
  return h(
    'td',
    { ...attrs, class: `cell${v.lagsBehind ? ' lag' : ''}`, title: v.digest },
    h('span', { class: 'version' }, v.version),
    marks,
    h('span', { class: 'meta' }, shownAge ? `in ${stage} for ${shownAge}` : 'age unknown'),
  );
}
