/**
 * Support for the board's tests: the page built into a temporary folder, a board server over real
 * repositories, and Debian's chromium driven by playwright-core (headless, a fresh profile, no
 * network services of its own).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type BoardOpener, BoardReader, type BoardSource } from '../../src/board/data.js';
import { type BoardServer, startBoardServer } from '../../src/board/server.js';
import { boardStages } from '../../src/board/stages.js';
import type { WatchClock } from '../../src/stages/watch.js';
import { projectRoot } from '../support/paths.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Builds the page once per process into a temporary folder; returns the folder. */
let built: Promise<string> | undefined;
export function buildAssets(): Promise<string> {
  built ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ocm-board-assets-'));
    const r = spawnSync(process.execPath, [join(projectRoot, 'scripts/build-board.mjs'), dir], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`building the board page failed: ${r.stderr}`);
    return dir;
  })();
  return built;
}

export async function startBoard(
  sources: readonly BoardSource[],
  options: {
    write?: boolean;
    interval?: number;
    stages?: boolean;
    clock?: WatchClock;
    open?: BoardOpener;
  } = {},
): Promise<BoardServer & { reader: BoardReader }> {
  const reader = new BoardReader({
    sources,
    write: options.write === true,
    ...(options.stages === false ? {} : { stages: boardStages() }),
    ...(options.open === undefined ? {} : { open: options.open }),
  });
  const server = await startBoardServer({
    reader,
    write: options.write === true,
    assetsDir: await buildAssets(),
    ...(options.interval === undefined ? {} : { interval: options.interval }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return Object.assign(server, { reader });
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Waits until the page has read every row of the board: the rows stream in, so the first row is not
 * the last. The count then reads `N of M components` without `, reading…`.
 */
export async function boardRead(page: Page): Promise<void> {
  await page.locator('#count', { hasText: /^\d+ of \d+ components$/ }).waitFor();
}

/** Chromium with the flags of the test command (docs/board.md), in a fresh profile. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: run the tests with "node scripts/test.mjs" as root, or apt-get install chromium`,
    );
  const profile = await mkdtemp(join(tmpdir(), 'ocm-board-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A clock for many sleepers (the board's watchers and its discovery): every sleep waits until the
 * test calls `step`, which ends all the sleeps begun so far, an interval passing for each of them.
 */
export class StepClock implements WatchClock {
  time = new Date('2026-01-01T00:00:00Z');
  #sleeping: (() => void)[] = [];
  #waiters: { n: number; resolve: () => void }[] = [];

  now(): Date {
    return this.time;
  }

  /** Sleepers now. */
  get sleeping(): number {
    return this.#sleeping.length;
  }

  sleep(_ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#sleeping.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
      for (const w of this.#waiters.filter((w) => this.#sleeping.length >= w.n)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  }

  /** Resolves once at least `n` sleeps are waiting. */
  asleep(n: number): Promise<void> {
    if (this.#sleeping.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  /** Ends every sleep begun so far; returns how many. */
  step(): number {
    const woken = this.#sleeping;
    this.#sleeping = [];
    for (const wake of woken) wake();
    return woken.length;
  }
}
