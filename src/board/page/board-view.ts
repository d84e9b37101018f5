/**
 * The board view (`#/`): a row per component, a column per stage. Rows stream in from
 * `/api/board/rows` as the server reads them and are put in their sorted place; a live move or a
 * new component re-reads one row (`refreshRow`), a new stage adds its column.
 */
import type { BoardComponent, BoardRepository } from '../api.js';
import { orderStages } from '../columns.js';
import { api, boardLines } from './client.js';
import { cell, componentHref, stageHead } from './common.js';
import { h, replace } from './dom.js';

interface BoardState {
  readonly repositories: readonly BoardRepository[];
  readonly write: boolean;
  time: string;
  /** Sorted as shown; the table body holds one row per entry, in the same order. */
  components: BoardComponent[];
  /** Keys of `components`. */
  readonly keys: Set<string>;
  stages: string[];
  loading: boolean;
  problems: number;
}

let state: BoardState | undefined;
let filterText = '';
let sortBy: 'name' | 'lag' | 'recent' = 'name';

const keyOf = (c: { repository: number; name: string }) => `${c.repository}\n${c.name}`;

function latestSince(c: BoardComponent): number {
  let t = 0;
  for (const v of Object.values(c.stages)) if (v.since) t = Math.max(t, Date.parse(v.since));
  return t;
}

function lags(c: BoardComponent): number {
  return Object.values(c.stages).filter((v) => v.lagsBehind).length;
}

function byName(a: BoardComponent, b: BoardComponent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.repository - b.repository;
}

function compare(a: BoardComponent, b: BoardComponent): number {
  if (sortBy === 'lag') return lags(b) - lags(a) || byName(a, b);
  if (sortBy === 'recent') return latestSince(b) - latestSince(a) || byName(a, b);
  return byName(a, b);
}

function rowOf(c: BoardComponent, s: BoardState): HTMLTableRowElement {
  const now = new Date(s.time);
  const tr = h(
    'tr',
    { 'data-row': keyOf(c) },
    h(
      'th',
      { scope: 'row' },
      h('a', { href: componentHref(c.repository, c.name) }, c.name),
      s.repositories.length > 1
        ? h('span', { class: 'meta' }, ` ${s.repositories[c.repository]?.label ?? ''}`)
        : null,
      c.problems?.length
        ? h(
            'span',
            { class: 'mark unverified', title: c.problems.map((p) => `${p.alias}: ${p.problem}`).join('; ') },
            ' ⚠',
          )
        : null,
    ),
    s.stages.map((stage) => cell(c, stage, now)),
  );
  tr.hidden = filterText !== '' && !c.name.toLowerCase().includes(filterText);
  return tr;
}

let counting = false;

/** The count line, once per frame however many rows arrive in it. */
function showCount(): void {
  if (counting) return;
  counting = true;
  requestAnimationFrame(() => {
    counting = false;
    writeCount();
  });
}

function writeCount(): void {
  const count = document.getElementById('count');
  const tbody = document.getElementById('rows');
  if (!state || !count || !tbody) return;
  const shown = tbody.querySelectorAll('tr:not([hidden])').length;
  count.textContent = `${shown} of ${state.components.length} components${state.loading ? ', reading…' : ''}`;
}

/** Whether `c` brings a stage without a column, or a policy whose order the columns do not keep. */
function needsColumns(c: BoardComponent, s: BoardState): boolean {
  if (Object.keys(c.stages).some((stage) => !s.stages.includes(stage))) return true;
  let at = -1;
  for (const stage of c.policy ?? []) {
    const i = s.stages.indexOf(stage);
    if (i <= at) return true;
    at = i;
  }
  return false;
}

/** Columns from every row's stages and policy; true when they changed. */
function columns(s: BoardState): boolean {
  const present = new Set<string>();
  for (const c of s.components) for (const stage of Object.keys(c.stages)) present.add(stage);
  const next = orderStages(
    present,
    s.components.map((c) => c.policy ?? []),
  );
  if (next.length === s.stages.length && next.every((x, i) => x === s.stages[i])) return false;
  s.stages = next;
  return true;
}

/** The column heads: each stage, and where it lives when rows keep it in another repository. */
function renderHead(): void {
  const s = state;
  const head = document.getElementById('head');
  if (!s || !head) return;
  replace(
    head,
    h('th', { scope: 'col' }, 'Component'),
    s.stages.map((stage) => stageHead(stage, s.components)),
  );
}

/** The whole table body and header, from the state. */
function renderTable(): void {
  const s = state;
  const tbody = document.getElementById('rows');
  if (!s || !tbody) return;
  renderHead();
  replace(
    tbody,
    s.components.map((c) => rowOf(c, s)),
  );
  showCount();
}

/** Puts `c` in its sorted place (replacing its old row, if any); `flash` marks a live change. */
function place(c: BoardComponent, flash: boolean): void {
  const s = state;
  const tbody = document.getElementById('rows');
  if (!s || !tbody) return;
  const old = s.keys.has(keyOf(c)) ? s.components.findIndex((x) => keyOf(x) === keyOf(c)) : -1;
  s.keys.add(keyOf(c));
  if (old >= 0) {
    s.components.splice(old, 1);
    tbody.children[old]?.remove();
  }
  let lo = 0;
  let hi = s.components.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(s.components[mid]!, c) <= 0) lo = mid + 1;
    else hi = mid;
  }
  s.components.splice(lo, 0, c);
  if (needsColumns(c, s) && columns(s)) {
    renderTable();
    return;
  }
  // A row with stages elsewhere may name a repository the heads do not name yet.
  if (c.elsewhere) renderHead();
  const tr = rowOf(c, s);
  if (flash) tr.classList.add('flash');
  tbody.insertBefore(tr, tbody.children[lo] ?? null);
  showCount();
}

/** Rows read but not yet placed: placed together, once per frame. */
let queued: BoardComponent[] = [];

function arrived(c: BoardComponent): void {
  queued.push(c);
  if (queued.length === 1) requestAnimationFrame(placeQueued);
}

function placeQueued(): void {
  const rows = queued;
  queued = [];
  for (const c of rows) place(c, false);
}

let reading: AbortController | undefined;

/** Stops reading the board's rows (the page went elsewhere). */
export function leaveBoard(): void {
  reading?.abort();
  reading = undefined;
  state = undefined;
  queued = [];
}

export async function showBoard(main: HTMLElement): Promise<void> {
  document.title = 'Stage board · ocm';
  leaveBoard();
  const controller = new AbortController();
  reading = controller;
  for await (const line of boardLines(controller.signal)) {
    if (line.type === 'start') {
      state = {
        repositories: line.repositories,
        write: line.write,
        time: line.time,
        components: [],
        keys: new Set(),
        stages: [],
        loading: true,
        problems: 0,
      };
      shell(main, state);
    } else if (line.type === 'row') arrived(line.row);
    else if (line.type === 'problem') {
      const list = document.getElementById('problems');
      list?.append(
        h(
          'li',
          {},
          line.component ? [h('code', {}, line.component), ': '] : 'Listing the components: ',
          line.message,
        ),
      );
      if (list) list.hidden = false;
    } else if (state) {
      state.loading = false;
      showCount();
    }
  }
}

function shell(main: HTMLElement, s: BoardState): void {
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
    s.components.sort(compare);
    renderTable();
  });
  replace(
    main,
    h('h1', {}, 'Stages'),
    h(
      'p',
      { class: 'count' },
      'Repositories: ',
      s.repositories.map((r, i) => [i > 0 ? ', ' : '', h('code', {}, r.label)]),
      s.write ? ' · promotion enabled' : ' · read-only',
    ),
    h(
      'div',
      { class: 'controls', role: 'search' },
      h('label', { for: 'filter' }, 'Filter by name', filter),
      h('label', { for: 'sort' }, 'Sort', sort),
    ),
    h('p', { id: 'count', class: 'count', 'aria-live': 'polite' }),
    h('ul', {
      id: 'problems',
      class: 'problem',
      'aria-label': 'Components that could not be read',
      hidden: true,
    }),
    h(
      'table',
      { id: 'board' },
      h(
        'caption',
        {},
        'One row per component, one column per stage: version, time in the stage, signature and lag marks',
      ),
      h('thead', {}, h('tr', { id: 'head' })),
      h('tbody', { id: 'rows' }),
    ),
  );
  renderTable();
}

/** After a move, or for a component that appeared: re-reads its row and puts it in place. */
export async function refreshRow(repository: number, component: string): Promise<void> {
  if (!state) return;
  const fresh = await api<BoardComponent>(
    `/api/board/row?repository=${repository}&component=${encodeURIComponent(component)}`,
  );
  if (!state) return;
  state.time = new Date().toISOString();
  place(fresh, true);
}
