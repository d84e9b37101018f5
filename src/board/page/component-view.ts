/**
 * The component view (`#/c/REPOSITORY/COMPONENT`): every stage of its policy (empty ones too), the
 * move panel, the version comparison, the history timeline and the versions with their aliases.
 */
import type { ComponentPage, VersionEvidence } from '../api.js';
import { api } from './client.js';
import { cell, digestCode, stageHead } from './common.js';
import { diffPanel } from './diff-view.js';
import { h, replace } from './dom.js';
import { movePanel } from './move-form.js';

interface HistoryItem {
  readonly alias: string | null;
  readonly from: { version: string; digest: string } | null;
  readonly to: { version: string; digest: string } | null;
  readonly operation: string;
  readonly time: string | null;
  readonly actor: string | null;
  readonly message: string | null;
  readonly details?: { forced?: unknown; document?: unknown };
}

/** What an event did: a stage's move, or (a `policy` event) the stages document it set. */
function change(e: HistoryItem) {
  if (e.operation === 'policy')
    return [
      ': stages document set',
      typeof e.details?.document === 'string' ? [' ', digestCode(e.details.document)] : null,
    ];
  return [
    e.alias ? [' ', h('code', {}, e.alias)] : null,
    ': ',
    e.from ? e.from.version : '(none)',
    ' → ',
    e.to ? e.to.version : '(removed)',
  ];
}

function timeline(items: readonly HistoryItem[]): HTMLElement {
  if (items.length === 0) return h('p', {}, 'No recorded moves.');
  return h(
    'ol',
    { class: 'timeline', 'aria-label': 'History, newest first' },
    items.map((e) =>
      h(
        'li',
        { 'data-operation': e.operation },
        h(
          'span',
          { class: 'when' },
          e.time ? new Date(e.time).toISOString().replace('T', ' ').slice(0, 19) : 'time unknown',
          ' UTC',
        ),
        ' ',
        h('strong', {}, e.operation),
        change(e),
        e.actor ? [' by ', h('span', { class: 'actor' }, e.actor)] : null,
        e.operation === 'untracked' ? h('span', { class: 'tag untracked' }, 'untracked') : null,
        e.details?.forced === true ? h('span', { class: 'tag forced' }, 'forced') : null,
        e.message ? h('span', { class: 'message' }, e.message) : null,
      ),
    ),
  );
}

/** The evidence about each version on a stage: one table per version, each envelope with its signer. */
function evidenceSection(list: readonly VersionEvidence[] | undefined): HTMLElement | null {
  if (list === undefined || list.length === 0) return null;
  return h(
    'section',
    { 'aria-labelledby': 'evidence-h' },
    h('h2', { id: 'evidence-h' }, 'Evidence'),
    list.map((v) =>
      h(
        'table',
        { class: 'evidence', 'data-version': v.version },
        h('caption', {}, `${v.version} (in ${v.stages.join(', ')})`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Type', 'Name or stage', 'Result', 'Signer', 'Verified', 'Time'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          v.problem !== undefined
            ? h('tr', {}, h('td', { colspan: 6, class: 'problem' }, v.problem))
            : v.items.length === 0
              ? h('tr', {}, h('td', { colspan: 6 }, 'No evidence about this version.'))
              : v.items.map((i) =>
                  h(
                    'tr',
                    { 'data-type': i.type },
                    h('th', { scope: 'row' }, i.type),
                    h(
                      'td',
                      {},
                      i.type === 'check' && i.stage
                        ? `${i.name ?? '-'} (${i.stage})`
                        : (i.name ?? i.stage ?? '-'),
                    ),
                    h('td', {}, i.result ?? (i.type === 'approval' ? 'approved' : '-')),
                    h('td', { class: 'signer' }, i.signer ?? '-'),
                    h(
                      'td',
                      { class: i.verified === 'verified' ? 'pass' : 'refused' },
                      i.problem === undefined ? i.verified : `${i.verified}; ${i.problem}`,
                    ),
                    h('td', {}, i.time ?? '-'),
                  ),
                ),
        ),
      ),
    ),
  );
}

/** One line: the stages that live elsewhere, whose moves are in those repositories' histories. */
function elsewhereLine(page: ComponentPage): HTMLElement | null {
  const away = Object.entries(page.row.elsewhere ?? {});
  if (away.length === 0) return null;
  return h(
    'p',
    { id: 'elsewhere', class: 'meta' },
    'This history is of this repository; ',
    away.map(([stage, where], i) => [
      i > 0 ? ', ' : '',
      h('code', {}, stage),
      ' lives in ',
      h('code', {}, where),
    ]),
    ' (its moves are in the history there).',
  );
}

export async function showComponent(
  main: HTMLElement,
  repository: number,
  name: string,
  stale: () => boolean = () => false,
): Promise<void> {
  document.title = `${name} · Stage board · ocm`;
  const page = await api<ComponentPage>(
    `/api/component?repository=${repository}&name=${encodeURIComponent(name)}`,
  );
  if (stale()) return;
  const now = new Date();
  // A re-render after a move keeps what the user was choosing in the forms.
  const kept = formState(`${repository}\n${name}`);
  replace(
    main,
    h('p', {}, h('a', { href: '#/' }, '← All components')),
    h('h1', { 'data-page': `${repository}\n${name}` }, page.name),
    h(
      'table',
      { id: 'stages' },
      h('caption', {}, 'Stages'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          page.stages.map((s) => stageHead(s, [page.row])),
        ),
      ),
      h(
        'tbody',
        {},
        h(
          'tr',
          {},
          page.stages.map((s) => cell(page.row, s, now)),
        ),
      ),
    ),
    h(
      'div',
      { class: 'grid' },
      movePanel(page, () => showComponent(main, repository, name, stale)),
      diffPanel(
        repository,
        name,
        page.versions.map((v) => v.version),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'history-h' },
      h('h2', { id: 'history-h' }, 'History'),
      page.historyProblem ? h('p', { class: 'problem', role: 'alert' }, page.historyProblem) : null,
      elsewhereLine(page),
      timeline(page.history as HistoryItem[]),
    ),
    evidenceSection(page.evidence),
    h(
      'section',
      { 'aria-labelledby': 'versions-h' },
      h('h2', { id: 'versions-h' }, 'Versions'),
      h(
        'table',
        { id: 'versions' },
        h('caption', {}, 'Newest first, with the aliases on each'),
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'Aliases')),
        ),
        h(
          'tbody',
          {},
          page.versions.map((v) =>
            h('tr', {}, h('th', { scope: 'row' }, v.version), h('td', {}, v.aliases.join(', '))),
          ),
        ),
      ),
    ),
  );
  kept();
}

const formFields = ['move-stage', 'move-version', 'move-message', 'diff-from', 'diff-to'];

/** The values of the component page's form fields, if that page is shown; a function restoring them. */
function formState(page: string): () => void {
  const shown = document.querySelector('h1[data-page]')?.getAttribute('data-page') === page;
  const values = new Map<string, string>();
  if (shown)
    for (const id of formFields) {
      const el = document.getElementById(id) as HTMLInputElement | HTMLSelectElement | null;
      if (el) values.set(id, el.value);
    }
  return () => {
    for (const [id, value] of values) {
      const el = document.getElementById(id) as HTMLInputElement | HTMLSelectElement | null;
      if (
        el &&
        (el.tagName !== 'SELECT' || [...(el as HTMLSelectElement).options].some((o) => o.value === value))
      )
        el.value = value;
    }
  };
}
