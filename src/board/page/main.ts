/**
 * The stage board's page: plain DOM modules, bundled by esbuild into `dist/board/assets/board.js`.
 * Routes: `#/` the board, `#/c/REPOSITORY/COMPONENT` a component. The write token arrives once in
 * the URL fragment (`#token=...`, never sent to a server), is kept in sessionStorage and sent as
 * `Authorization: Bearer` with promotions.
 */
import type { Board, BoardComponent, ComponentPage, StageCell, VersionDiff } from '../api.js';
import { type Child, h, replace } from './dom.js';

const main = document.getElementById('main') as HTMLElement;
const live = document.getElementById('live') as HTMLElement;

let token = sessionStorage.getItem('ocm-board-token') ?? '';
{
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    token = m[1]!;
    sessionStorage.setItem('ocm-board-token', token);
    history.replaceState(null, '', `${location.pathname}#/`);
  }
}

interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly details?: unknown;
}

class RequestFailed extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: { accept: 'application/json', ...(init.headers ?? {}) },
  });
  const body = (await res.json().catch(() => ({}))) as { error?: ApiError };
  if (!res.ok)
    throw new RequestFailed(res.status, body.error ?? { code: 'HTTP', message: `HTTP ${res.status}` });
  return body as T;
}

function post<T>(path: string, body: unknown): Promise<T> {
  return api<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

function announce(text: string): void {
  live.textContent = text;
}

/** `3d 4h`, `5h 10m`, `12m`, `40s`: how long ago `since` was, at `now`. */
function age(since: string | null, now: Date): string | undefined {
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

function componentHref(repository: number, name: string): string {
  return `#/c/${repository}/${encodeURIComponent(name)}`;
}

// ------------------------------------------------------------------------------------------ board

let board: Board | undefined;
let filterText = '';
let sortBy: 'name' | 'lag' | 'recent' = 'name';

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

function cell(c: BoardComponent, stage: string, now: Date): HTMLTableCellElement {
  const v: StageCell | undefined = c.stages[stage];
  const attrs = { 'data-component': c.name, 'data-stage': stage, 'data-repository': c.repository };
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

function latestSince(c: BoardComponent): number {
  let t = 0;
  for (const v of Object.values(c.stages)) if (v.since) t = Math.max(t, Date.parse(v.since));
  return t;
}

function lags(c: BoardComponent): number {
  return Object.values(c.stages).filter((v) => v.lagsBehind).length;
}

function row(c: BoardComponent, stages: readonly string[], now: Date): HTMLTableRowElement {
  const tr = h(
    'tr',
    { 'data-row': `${c.repository}\n${c.name}` },
    h(
      'th',
      { scope: 'row' },
      h('a', { href: componentHref(c.repository, c.name) }, c.name),
      board && board.repositories.length > 1
        ? h('span', { class: 'meta' }, ` ${board.repositories[c.repository]?.label ?? ''}`)
        : null,
      c.problems?.length
        ? h(
            'span',
            { class: 'mark unverified', title: c.problems.map((p) => `${p.alias}: ${p.problem}`).join('; ') },
            ' ⚠',
          )
        : null,
    ),
    stages.map((s) => cell(c, s, now)),
  );
  tr.hidden = filterText !== '' && !c.name.toLowerCase().includes(filterText);
  return tr;
}

function sorted(components: readonly BoardComponent[]): BoardComponent[] {
  const list = [...components];
  if (sortBy === 'name')
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.repository - b.repository));
  else if (sortBy === 'lag') list.sort((a, b) => lags(b) - lags(a) || (a.name < b.name ? -1 : 1));
  else list.sort((a, b) => latestSince(b) - latestSince(a) || (a.name < b.name ? -1 : 1));
  return list;
}

function renderTable(): void {
  if (!board) return;
  const now = new Date(board.time);
  const tbody = document.getElementById('rows');
  if (!tbody) return;
  replace(
    tbody,
    sorted(board.components).map((c) => row(c, board!.stages, now)),
  );
  const shown = tbody.querySelectorAll('tr:not([hidden])').length;
  const count = document.getElementById('count');
  if (count) count.textContent = `${shown} of ${board.components.length} components`;
}

async function showBoard(): Promise<void> {
  document.title = 'Stage board · ocm';
  board = await api<Board>('/api/board');
  const filter = h('input', {
    type: 'search',
    id: 'filter',
    name: 'filter',
    value: filterText,
    autocomplete: 'off',
  });
  filter.addEventListener('input', () => {
    filterText = filter.value.trim().toLowerCase();
    renderTable();
  });
  const sort = h(
    'select',
    { id: 'sort', name: 'sort' },
    h('option', { value: 'name', selected: sortBy === 'name' }, 'Name'),
    h('option', { value: 'lag', selected: sortBy === 'lag' }, 'Most lagging stages first'),
    h('option', { value: 'recent', selected: sortBy === 'recent' }, 'Most recently moved first'),
  );
  sort.addEventListener('change', () => {
    sortBy = sort.value as typeof sortBy;
    renderTable();
  });
  replace(
    main,
    h('h1', {}, 'Stages'),
    h(
      'p',
      { class: 'count' },
      'Repositories: ',
      board.repositories.map((r, i) => [i > 0 ? ', ' : '', h('code', {}, r.label)]),
      board.write ? ' · promotion enabled' : ' · read-only',
    ),
    h(
      'div',
      { class: 'controls', role: 'search' },
      h('label', { for: 'filter' }, 'Filter by name', filter),
      h('label', { for: 'sort' }, 'Sort', sort),
    ),
    h('p', { id: 'count', class: 'count', 'aria-live': 'polite' }),
    h(
      'table',
      { id: 'board' },
      h(
        'caption',
        {},
        'One row per component, one column per stage: version, time in the stage, signature and lag marks',
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Component'),
          board.stages.map((s) => h('th', { scope: 'col' }, s)),
        ),
      ),
      h('tbody', { id: 'rows' }),
    ),
  );
  renderTable();
}

/** After a move: re-read the component's row, and the whole board when a new column appears. */
async function refreshRow(repository: number, component: string): Promise<void> {
  if (!board) return;
  const fresh = await api<BoardComponent>(
    `/api/board/row?repository=${repository}&component=${encodeURIComponent(component)}`,
  );
  if (Object.keys(fresh.stages).some((s) => !board!.stages.includes(s))) {
    await showBoard();
    return;
  }
  board = {
    ...board,
    time: new Date().toISOString(),
    components: board.components.map((c) =>
      c.repository === repository && c.name === component ? fresh : c,
    ),
  };
  const tr = Array.from(document.querySelectorAll<HTMLTableRowElement>('tr[data-row]')).find(
    (r) => r.dataset.row === `${repository}\n${component}`,
  );
  if (tr) {
    const next = row(fresh, board.stages, new Date(board.time));
    next.classList.add('flash');
    tr.replaceWith(next);
  }
}

// ------------------------------------------------------------------------------------ component

interface HistoryItem {
  readonly alias: string | null;
  readonly from: { version: string; digest: string } | null;
  readonly to: { version: string; digest: string } | null;
  readonly operation: string;
  readonly time: string | null;
  readonly actor: string | null;
  readonly message: string | null;
  readonly details?: { forced?: unknown };
}

interface PlanView {
  readonly status: string;
  readonly candidate?: { version: string; digest: string };
  readonly current?: { version: string; digest: string };
  readonly gates?: readonly { gate: string; signature?: string; result: string; detail: string }[];
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
        e.alias ? [' ', h('code', {}, e.alias)] : null,
        ': ',
        e.from ? e.from.version : '(none)',
        ' → ',
        e.to ? e.to.version : '(removed)',
        e.actor ? [' by ', h('span', { class: 'actor' }, e.actor)] : null,
        e.operation === 'untracked' ? h('span', { class: 'tag untracked' }, 'untracked') : null,
        e.details?.forced === true ? h('span', { class: 'tag forced' }, 'forced') : null,
        e.message ? h('span', { class: 'message' }, e.message) : null,
      ),
    ),
  );
}

/** A digest shortened to 12 characters; the whole one in its title. */
function digestCode(digest: string | null): Child {
  return digest
    ? h('code', { title: digest }, digest.length > 12 ? `${digest.slice(0, 12)}…` : digest)
    : null;
}

function diffView(d: VersionDiff): HTMLElement {
  if (d.changes.length === 0 && d.labels.length === 0)
    return h('p', {}, `No differences in resources, sources or labels between ${d.from} and ${d.to}.`);
  const idText = (id: Readonly<Record<string, string>>) =>
    Object.entries(id)
      .map(([k, v]) => (k === 'name' ? v : `${k}=${v}`))
      .join(' ');
  return h(
    'div',
    {},
    d.changes.length
      ? h(
          'table',
          { id: 'diff' },
          h('caption', {}, `Resources and sources, ${d.from} → ${d.to}`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Kind', 'Element', 'Change', 'Before', 'After'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            d.changes.map((c) =>
              h(
                'tr',
                { 'data-change': c.change },
                h('td', {}, c.kind),
                h('th', { scope: 'row' }, idText(c.identity)),
                h('td', {}, c.change === 'changed' ? `changed: ${c.fields.join(', ')}` : c.change),
                h('td', {}, c.before ? [c.before.version, ' ', digestCode(c.before.digest)] : ''),
                h('td', {}, c.after ? [c.after.version, ' ', digestCode(c.after.digest)] : ''),
              ),
            ),
          ),
        )
      : null,
    d.labels.length
      ? h(
          'ul',
          { 'aria-label': 'Component labels that differ' },
          d.labels.map((l) =>
            h('li', {}, h('code', {}, l.name), ': ', l.before ?? '(none)', ' → ', l.after ?? '(none)'),
          ),
        )
      : null,
  );
}

function refusal(err: unknown): HTMLElement {
  if (err instanceof RequestFailed) {
    const gates = (err.error.details as { refused?: PlanView['gates'] } | undefined)?.refused;
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

function planTable(plan: PlanView): HTMLElement {
  return h(
    'table',
    { class: 'plan' },
    h(
      'caption',
      {},
      `Plan: ${plan.current?.version ?? '(none)'} → ${plan.candidate?.version ?? '?'} (${plan.status})`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Gate', 'Result', 'Detail'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      (plan.gates ?? []).length === 0
        ? h('tr', {}, h('td', { colspan: 3 }, 'This stage has no gates.'))
        : (plan.gates ?? []).map((g) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, g.signature ? `${g.gate} (${g.signature})` : g.gate),
              h('td', { class: g.result === 'pass' ? 'pass' : 'refused' }, g.result),
              h('td', {}, g.detail),
            ),
          ),
    ),
  );
}

function movePanel(page: ComponentPage, writable: boolean): HTMLElement {
  const stages = Object.keys(page.row.stages);
  const allStages = [...new Set([...(page.row.policy ?? []), ...stages])];
  if (!writable)
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': 'move-h' },
      h('h2', { id: 'move-h' }, 'Promote or roll back'),
      h(
        'p',
        {},
        board?.write
          ? 'Open the URL with the token that "ocm board --write" printed to promote from here.'
          : 'This board is read-only (start it with --write to promote from here).',
      ),
    );
  const stageSel = h(
    'select',
    { id: 'move-stage', name: 'stage' },
    allStages.map((s) => h('option', { value: s }, s)),
  );
  const versionSel = h(
    'select',
    { id: 'move-version', name: 'version' },
    h('option', { value: '' }, 'what its “from” stage holds'),
    page.versions.map((v) => h('option', { value: v.version }, v.version)),
  );
  const message = h('input', { id: 'move-message', name: 'message', type: 'text', maxlength: 4096 });
  const outcome = h('div', { class: 'outcome', 'aria-live': 'polite' });
  const planBtn = h('button', { type: 'submit' }, 'Plan promotion');
  const rollbackBtn = h('button', { type: 'button', class: 'secondary' }, 'Roll back');
  /** Where the page believes the stage is now: the move expects it, so a stale page is refused. */
  const expected = (stage: string) => page.row.stages[stage]?.digest ?? 'absent';
  const form = h(
    'form',
    { 'aria-label': 'Promote' },
    h('label', { for: 'move-stage' }, 'Stage', stageSel),
    h('label', { for: 'move-version' }, 'Version', versionSel),
    h('label', { for: 'move-message' }, 'Message', message),
    planBtn,
    rollbackBtn,
  );
  const body = () => ({
    repository: page.repository,
    component: page.name,
    stage: stageSel.value,
    expect: expected(stageSel.value),
    ...(versionSel.value ? { version: versionSel.value } : {}),
    ...(message.value ? { message: message.value } : {}),
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    replace(outcome, 'Planning…');
    try {
      const request = body();
      const plan = await post<PlanView>('/api/plan', request);
      const go = h(
        'button',
        { type: 'button', disabled: plan.status !== 'ready' },
        `Promote ${request.stage} to ${plan.candidate?.version ?? '?'}`,
      );
      go.addEventListener('click', async () => {
        go.disabled = true;
        try {
          await post('/api/promote', request);
          announce(`${page.name}: ${request.stage} promoted to ${plan.candidate?.version}`);
          await route();
        } catch (err) {
          replace(outcome, planTable(plan), refusal(err));
        }
      });
      replace(
        outcome,
        planTable(plan),
        plan.status === 'ready'
          ? go
          : h(
              'p',
              { class: plan.status === 'refused' ? 'refused' : '' },
              plan.status === 'refused'
                ? 'A gate refuses this promotion; nothing was changed.'
                : 'The stage holds this version already.',
            ),
      );
    } catch (err) {
      replace(outcome, refusal(err));
    }
  });
  rollbackBtn.addEventListener('click', async () => {
    replace(outcome, 'Rolling back…');
    try {
      const request = body();
      await post('/api/rollback', { ...request, version: undefined });
      announce(`${page.name}: ${request.stage} rolled back`);
      await route();
    } catch (err) {
      replace(outcome, refusal(err));
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'move-h' },
    h('h2', { id: 'move-h' }, 'Promote or roll back'),
    form,
    outcome,
  );
}

async function showComponent(repository: number, name: string): Promise<void> {
  document.title = `${name} · Stage board · ocm`;
  if (!board) board = await api<Board>('/api/board');
  const page = await api<ComponentPage>(
    `/api/component?repository=${repository}&name=${encodeURIComponent(name)}`,
  );
  const now = new Date();
  const stageList = Object.entries(page.row.stages);
  const versions = page.versions.map((v) => v.version);
  const fromSel = h(
    'select',
    { id: 'diff-from', name: 'from' },
    versions.map((v, i) => h('option', { value: v, selected: i === 1 }, v)),
  );
  const toSel = h(
    'select',
    { id: 'diff-to', name: 'to' },
    versions.map((v, i) => h('option', { value: v, selected: i === 0 }, v)),
  );
  const diffOut = h('div', { class: 'outcome', 'aria-live': 'polite' });
  const diffForm = h(
    'form',
    { 'aria-label': 'Compare versions' },
    h('label', { for: 'diff-from' }, 'From', fromSel),
    h('label', { for: 'diff-to' }, 'To', toSel),
    h('button', { type: 'submit' }, 'Compare'),
  );
  diffForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    replace(diffOut, 'Comparing…');
    try {
      const d = await api<VersionDiff>(
        `/api/diff?repository=${repository}&name=${encodeURIComponent(name)}&from=${encodeURIComponent(fromSel.value)}&to=${encodeURIComponent(toSel.value)}`,
      );
      replace(diffOut, diffView(d));
    } catch (err) {
      replace(diffOut, refusal(err));
    }
  });
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
          stageList.map(([s]) => h('th', { scope: 'col' }, s)),
        ),
      ),
      h(
        'tbody',
        {},
        h(
          'tr',
          {},
          stageList.map(([s]) => cell(page.row, s, now)),
        ),
      ),
    ),
    h(
      'div',
      { class: 'grid' },
      movePanel(page, Boolean(board?.write && token)),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'diff-h' },
        h('h2', { id: 'diff-h' }, 'Compare two versions'),
        versions.length < 2 ? h('p', {}, 'Only one version.') : [diffForm, diffOut],
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'history-h' },
      h('h2', { id: 'history-h' }, 'History'),
      page.historyProblem ? h('p', { class: 'problem', role: 'alert' }, page.historyProblem) : null,
      timeline(page.history as HistoryItem[]),
    ),
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

// ---------------------------------------------------------------------------------------- routing

let current: { repository: number; name: string } | undefined;

async function route(): Promise<void> {
  const m = /^#\/c\/(\d+)\/(.+)$/.exec(location.hash);
  try {
    if (m) {
      current = { repository: Number(m[1]), name: decodeURIComponent(m[2]!) };
      await showComponent(current.repository, current.name);
    } else {
      current = undefined;
      await showBoard();
    }
  } catch (err) {
    replace(main, h('h1', {}, 'Stage board'), refusal(err));
  }
}

window.addEventListener('hashchange', () => {
  void route().then(() => main.focus());
});

const events = new EventSource('/api/events');
events.addEventListener('move', (ev) => {
  const e = JSON.parse((ev as MessageEvent<string>).data) as {
    repository: number;
    component: string;
    alias: string;
    to: { version: string } | null;
  };
  announce(`${e.component}: ${e.alias} ${e.to ? `moved to ${e.to.version}` : 'removed'}`);
  if (current) {
    if (current.repository === e.repository && current.name === e.component) void route();
  } else void refreshRow(e.repository, e.component).catch(() => undefined);
});
events.addEventListener('problem', (ev) => {
  const e = JSON.parse((ev as MessageEvent<string>).data) as {
    component: string;
    alias: string;
    message: string;
  };
  announce(`Cannot read ${e.component}:${e.alias} (${e.message}); retrying`);
});

void route();
