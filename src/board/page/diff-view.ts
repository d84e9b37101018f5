/**
 * The component page's version comparison: resources and sources, component references (the parts
 * of a product, each changed part with its own comparison, nested), and component labels.
 */
import type { ReferenceChange, VersionDiff } from '../api.js';
import { api } from './client.js';
import { digestCode, refusal } from './common.js';
import { h, replace } from './dom.js';

const idText = (id: Readonly<Record<string, string>>) =>
  Object.entries(id)
    .map(([k, v]) => (k === 'name' ? v : `${k}=${v}`))
    .join(' ');

const empty = (d: VersionDiff) =>
  d.changes.length === 0 && d.labels.length === 0 && d.references.length === 0;

function elements(d: VersionDiff): HTMLElement | null {
  if (d.changes.length === 0) return null;
  return h(
    'table',
    { class: 'diff elements' },
    h('caption', {}, `Resources and sources of ${d.component}, ${d.from} → ${d.to}`),
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
  );
}

function side(r: ReferenceChange['before']) {
  return r ? [h('code', {}, r.component), ' ', r.version, ' ', digestCode(r.digest)] : '';
}

function references(d: VersionDiff): HTMLElement | null {
  if (d.references.length === 0) return null;
  return h(
    'div',
    { class: 'parts' },
    h(
      'table',
      { class: 'diff references' },
      h('caption', {}, `Component references (parts) of ${d.component}, ${d.from} → ${d.to}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Reference', 'Change', 'Before', 'After'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        d.references.map((r) =>
          h(
            'tr',
            { 'data-change': r.change, 'data-reference': idText(r.identity) },
            h('th', { scope: 'row' }, idText(r.identity)),
            h('td', {}, r.change === 'changed' ? `changed: ${r.fields.join(', ')}` : r.change),
            h('td', {}, side(r.before)),
            h('td', {}, side(r.after)),
          ),
        ),
      ),
    ),
    d.references.map((r) =>
      r.part
        ? h(
            'section',
            { class: 'part', 'data-part': r.part.component, 'aria-label': `Part ${r.part.component}` },
            h('h3', {}, `Part ${idText(r.identity)}: `, h('code', {}, r.part.component)),
            diffBody(r.part),
          )
        : r.partProblem
          ? h('p', { class: 'problem' }, `Part ${idText(r.identity)} not compared: ${r.partProblem}`)
          : null,
    ),
  );
}

function diffBody(d: VersionDiff): HTMLElement {
  if (empty(d))
    return h(
      'p',
      {},
      `No differences in resources, sources, references or labels between ${d.from} and ${d.to}.`,
    );
  return h(
    'div',
    {},
    elements(d),
    references(d),
    d.labels.length
      ? h(
          'ul',
          { 'aria-label': `Component labels of ${d.component} that differ` },
          d.labels.map((l) =>
            h('li', {}, h('code', {}, l.name), ': ', l.before ?? '(none)', ' → ', l.after ?? '(none)'),
          ),
        )
      : null,
  );
}

/** The comparison form and its outcome, for the versions given (newest first). */
export function diffPanel(repository: number, name: string, versions: readonly string[]): HTMLElement {
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
  const out = h('div', { class: 'outcome', id: 'diff', 'aria-live': 'polite' });
  const form = h(
    'form',
    { 'aria-label': 'Compare versions' },
    h('label', { for: 'diff-from' }, 'From', fromSel),
    h('label', { for: 'diff-to' }, 'To', toSel),
    h('button', { type: 'submit' }, 'Compare'),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    replace(out, 'Comparing…');
    try {
      const d = await api<VersionDiff>(
        `/api/diff?repository=${repository}&name=${encodeURIComponent(name)}&from=${encodeURIComponent(fromSel.value)}&to=${encodeURIComponent(toSel.value)}`,
      );
      replace(out, diffBody(d));
    } catch (err) {
      replace(out, refusal(err));
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'diff-h' },
    h('h2', { id: 'diff-h' }, 'Compare two versions'),
    versions.length < 2 ? h('p', {}, 'Only one version.') : [form, out],
  );
}
