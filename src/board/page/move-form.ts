/**
 * The component page's move panel: plan a promotion (gates shown), promote, or roll back. Every move
 * sends `expect`, where this page saw the stage, so a stale page is refused and nothing changes.
 */
import type { ComponentPage } from '../api.js';
import { hasToken, post } from './client.js';
import { announce, type GateResult, refusal } from './common.js';
import { h, replace } from './dom.js';

interface PlanView {
  readonly status: string;
  readonly candidate?: { version: string; digest: string };
  readonly current?: { version: string; digest: string };
  readonly gates?: readonly GateResult[];
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
              h(
                'th',
                { scope: 'row' },
                (g.signature ?? g.check) ? `${g.gate} (${g.signature ?? g.check})` : g.gate,
              ),
              h('td', { class: g.result === 'pass' ? 'pass' : 'refused' }, g.result),
              h('td', {}, g.detail),
            ),
          ),
    ),
  );
}

/** The panel; `moved` runs after a successful move (the page re-reads itself). */
export function movePanel(page: ComponentPage, moved: () => Promise<void>): HTMLElement {
  if (!page.write || !hasToken())
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': 'move-h' },
      h('h2', { id: 'move-h' }, 'Promote or roll back'),
      h(
        'p',
        {},
        page.write
          ? 'Open the URL with the token that "ocm board --write" printed to promote from here.'
          : 'This board is read-only (start it with --write to promote from here).',
      ),
    );
  const stageSel = h(
    'select',
    { id: 'move-stage', name: 'stage' },
    page.stages.map((s) => h('option', { value: s }, s)),
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
          await moved();
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
      await moved();
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
