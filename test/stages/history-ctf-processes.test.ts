/**
 * The alias history under concurrent processes and SIGKILL on a CTF (DESIGN 7): an alias move and
 * its event land in one index write under the lock, or neither does.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CtfStore } from '../../src/ctf/store.js';
import { OcmRepository } from '../../src/repository/index.js';
import {
  getAliasHistory,
  type HistoryEvent,
  HistoryJournal,
  verifyAliasHistory,
} from '../../src/stages/index.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { projectRoot } from '../support/paths.js';
import { countSetting } from '../support/settings.js';
import { runTsxWorker } from '../support/spawn.js';
import { tempDir } from '../support/tmp.js';

const worker = join(projectRoot, 'test/stages/history-worker.ts');
const KILLS = countSetting('OCM_CRASH_KILLS', 15);

function runWorker(args: string[], killAfterMs?: number) {
  return runTsxWorker(worker, args, {
    cwd: projectRoot,
    ...(killAfterMs === undefined ? {} : { killAfterMs }),
  });
}

async function seed(path: string): Promise<void> {
  const store = await CtfStore.open(path, { create: true });
  const repo = new OcmRepository(store, { journal: new HistoryJournal() });
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) await repo.addComponentVersion(descriptor(v));
  await store.close();
}

async function history(path: string) {
  const store = await CtfStore.open(path, { mode: 'readonly' });
  try {
    const repo = new OcmRepository(store);
    const all = await getAliasHistory(repo, C);
    await verifyAliasHistory(repo, C);
    return all;
  } finally {
    await store.close();
  }
}

describe('alias history on a CTF: processes', () => {
  for (const file of ['transport-archive', 'transport-archive.tar']) {
    it(`${file}: 4 processes x 50 moves: every acknowledged move has exactly one event, in order`, {
      timeout: 600_000,
    }, async () => {
      const dir = await tempDir();
      try {
        const path = join(dir.path, file);
        await seed(path);
        const runs = await Promise.all([0, 1, 2, 3].map((w) => runWorker(['mover', path, String(w), '50'])));
        for (const r of runs) assert.equal(r.code, 0, r.stderr);
        const acked = new Map<string, string[]>();
        for (const r of runs)
          for (const line of r.lines) {
            const [, alias, digest] = line.split(' ');
            acked.set(alias!, [...(acked.get(alias!) ?? []), digest!]);
          }
        const all = await history(path);
        assert.ok(
          all.every((e) => e.operation !== 'untracked'),
          'no move without its event',
        );
        const events = (all as HistoryEvent[]).slice().reverse();
        for (const w of [0, 1, 2, 3]) {
          const mine = events.filter((e) => e.alias === `w${w}`).map((e) => e.to?.digest);
          assert.deepEqual(mine, acked.get(`w${w}`), `w${w}: one event per move, in order`);
        }
        const prodEvents = events.filter((e) => e.alias === 'prod').length;
        assert.equal(prodEvents, acked.get('prod')?.length ?? 0, 'prod: one event per real move');
        assert.equal(events.length, 200 + prodEvents);
      } finally {
        await dir.remove();
      }
    });
  }
});

describe('alias history on a CTF: SIGKILL', () => {
  for (const file of ['transport-archive', 'transport-archive.tgz']) {
    it(`${file}: ${KILLS} kills during moves: each move and its event are both there or both absent`, {
      timeout: 600_000,
    }, async () => {
      const dir = await tempDir();
      try {
        const path = join(dir.path, file);
        await seed(path);
        const acked: string[] = [];
        for (let round = 0; round < KILLS; round++) {
          const run = await runWorker(['crash', path, String(round % 3)], 5 + Math.random() * 150);
          assert.equal(run.signal, 'SIGKILL', `worker ended by itself: ${run.stderr}`);
          acked.push(...run.lines);
          const all = await history(path);
          assert.deepEqual(
            all.filter((e) => e.operation === 'untracked'),
            [],
            `round ${round}: an alias moved without its event, or an event without its move`,
          );
          // Every acknowledged move is recorded: the per-alias event count is at least the acks.
          for (const alias of ['c0', 'c1', 'c2']) {
            const acks = acked.filter((l) => l.startsWith(`MOVE ${alias} `)).length;
            const events = all.filter((e) => e.alias === alias).length;
            assert.ok(events >= acks, `${alias}: ${events} events for ${acks} acknowledged moves`);
          }
        }
        assert.ok(acked.length >= KILLS, `only ${acked.length} acknowledged moves in ${KILLS} rounds`);
      } finally {
        await dir.remove();
      }
    });
  }
});
