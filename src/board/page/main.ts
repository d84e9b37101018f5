/**
 * The stage board's page: plain DOM modules, bundled by esbuild into `dist/board/assets/board.js`.
 * This module is the router and the live-event listener; the views are `board-view.ts` and
 * `component-view.ts` (with `move-form.ts` and `diff-view.ts`), the API client `client.ts`.
 * Routes: `#/` the board, `#/c/REPOSITORY/COMPONENT` a component.
 */
import { leaveBoard, refreshRow, showBoard } from './board-view.js';
import { announce, refusal } from './common.js';
import { showComponent } from './component-view.js';
import { h, replace } from './dom.js';

const main = document.getElementById('main') as HTMLElement;

let current: { repository: number; name: string } | undefined;
/** Renders begun; a render that a newer one overtook draws nothing (a slow page over a newer one). */
let renders = 0;

async function route(): Promise<void> {
  const m = /^#\/c\/(\d+)\/(.+)$/.exec(location.hash);
  const mine = ++renders;
  try {
    if (m) {
      leaveBoard();
      current = { repository: Number(m[1]), name: decodeURIComponent(m[2]!) };
      await showComponent(main, current.repository, current.name, () => mine !== renders);
    } else {
      current = undefined;
      await showBoard(main);
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError') return;
    replace(main, h('h1', {}, 'Stage board'), refusal(err));
  }
}

window.addEventListener('hashchange', () => {
  void route().then(() => main.focus());
});

/** A component's move or appearance: the component page re-reads itself, the board one row. */
function changed(repository: number, component: string): void {
  if (current) {
    if (current.repository === repository && current.name === component) void route();
  } else void refreshRow(repository, component).catch(() => undefined);
}

const events = new EventSource('/api/events');
events.addEventListener('move', (ev) => {
  const e = JSON.parse((ev as MessageEvent<string>).data) as {
    repository: number;
    component: string;
    alias: string;
    to: { version: string } | null;
  };
  announce(`${e.component}: ${e.alias} ${e.to ? `moved to ${e.to.version}` : 'removed'}`);
  changed(e.repository, e.component);
});
events.addEventListener('component', (ev) => {
  const e = JSON.parse((ev as MessageEvent<string>).data) as { repository: number; component: string };
  announce(`${e.component}: new component`);
  changed(e.repository, e.component);
});
events.addEventListener('problem', (ev) => {
  const e = JSON.parse((ev as MessageEvent<string>).data) as {
    component: string;
    alias: string;
    message: string;
  };
  announce(
    e.component ? `Cannot read ${e.component}:${e.alias} (${e.message}); retrying` : `${e.message}; retrying`,
  );
});

void route();
