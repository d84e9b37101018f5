/**
 * Racing writers in separate processes on one real registry, repeated (docs/history.md,
 * "Concurrency and crashes"): 4 worker processes x 25 moves, on four aliases and on one alias, and
 * on one alias with every writer folding after every move (many folds racing each other), 5 runs of
 * each (test/support/history-race.ts; test/stages/history-registry.test.ts runs the first two once).
 * Per run: moves acknowledged, events recorded, moves without exactly one event, failed processes,
 * untracked rows, events verified after the folds, entry tags left. A miss is printed, not fatal.
 *
 *   node --import tsx bench/history-race.ts [--runs N]
 */
import { parseArgs } from 'node:util';
import { raceOnce } from '../test/support/history-race.js';
import { startRegistry } from '../test/support/registry.js';
import { emit } from './lib.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);

const reg = await startRegistry('anonymous');
try {
  console.log(`# 4 writer processes x 25 moves on one registry, ${runs} runs per shape`);
  console.log(
    '| shape | run | moves | events | wrong counts | failures | untracked | verified | entries left | s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [shared, foldEvery] of [
    [false, 8],
    [true, 8],
    [true, 1],
  ] as const) {
    const shape = `${shared ? 'one alias' : 'four aliases'}${foldEvery === 1 ? ', folding after every move' : ''}`;
    let clean = 0;
    let moves = 0;
    let events = 0;
    for (let run = 1; run <= runs; run++) {
      const r = await raceOnce(reg, `race${shared ? 's' : 'f'}${foldEvery}x${run}`, { shared, foldEvery });
      const ok =
        r.failures.length === 0 &&
        r.wrongCounts.length === 0 &&
        r.events === r.moves &&
        r.untracked === 0 &&
        r.verified === r.moves &&
        r.leftoverEntries === 0 &&
        r.foldChangedNothing;
      if (ok) clean++;
      moves += r.moves;
      events += r.events;
      console.log(
        `| ${shape} | ${run} | ${r.moves} | ${r.events} | ${r.wrongCounts.length} | ${r.failures.length} | ${r.untracked} | ${r.verified} | ${r.leftoverEntries} | ${(r.ms / 1000).toFixed(1)} |`,
      );
      for (const f of r.failures) console.log(`  failure: ${f.split('\n').slice(0, 3).join(' | ')}`);
      for (const w of r.wrongCounts) console.log(`  wrong count: ${w}`);
    }
    emit({
      scenario: `4 writer processes x 25 moves on ${shape} (registry): runs with every check passing`,
      ours: clean,
      baseline: runs,
      unit: 'runs',
      ratio: clean / runs,
      ratioMeaning: 'clean runs / runs (1 = every run)',
      baselineName: 'runs',
      requests: null,
      aim: 'every run: one event per acknowledged move, no failure, no untracked row, no entry left',
      met: clean === runs,
      runs,
      extra: { moves, events },
    });
  }
} finally {
  await reg.close();
}
