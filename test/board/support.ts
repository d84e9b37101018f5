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
import { type BrowserContext, chromium } from 'playwright-core';
import { BoardReader, type BoardSource } from '../../src/board/data.js';
import { type BoardServer, startBoardServer } from '../../src/board/server.js';
import { boardStages } from '../../src/board/stages.js';
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
  options: { write?: boolean; interval?: number; stages?: boolean } = {},
): Promise<BoardServer & { reader: BoardReader }> {
  const reader = new BoardReader({
    sources,
    write: options.write === true,
    ...(options.stages === false ? {} : { stages: boardStages() }),
  });
  const server = await startBoardServer({
    reader,
    write: options.write === true,
    assetsDir: await buildAssets(),
    ...(options.interval === undefined ? {} : { interval: options.interval }),
  });
  return Object.assign(server, { reader });
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
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
