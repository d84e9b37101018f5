/**
 * Racing writers in separate processes on one real registry (docs/history.md, "Concurrency and
 * crashes"): WRITERS worker processes (test/stages/history-worker.ts, mode `registry`) each make
 * MOVES moves, on an alias of their own or all on one alias, at once. Then what a user would check:
 * the events per acknowledged move, the untracked rows of `get history`, the chain, and the entry
 * tags a fold past the grace time leaves. Used by test/stages/history-registry.test.ts (asserts) and
 * bench/history-race.ts (prints, five runs per shape).
 */
import { join } from 'node:path';
import { OcmRepository } from '../../src/repository/index.js';
import {
  DEFAULT_GRACE_MS,
  ENTRY_TAG_PREFIX,
  foldHistory,
  getAliasHistory,
  type HistoryEvent,
  verifyAliasHistory,
} from '../../src/stages/index.js';
import { COMPONENT as C, descriptor } from './descriptors.js';
import { projectRoot } from './paths.js';
import type { TestRegistry } from './registry.js';
import { runTsxWorker } from './spawn.js';

const worker = join(projectRoot, 'test/stages/history-worker.ts');

export interface RaceShape {
  /** All writers move one alias (`stage`), or each its own (`a<ID>`). */
  readonly shared: boolean;
  readonly writers?: number;
  readonly moves?: number;
  /** Each writer folds about once in this many moves. Default 8 (the journal's default). */
  readonly foldEvery?: number;
}

export interface RaceResult {
  /** Moves the workers acknowledged (the alias changed). */
  readonly moves: number;
  /** Events the history holds (not reconciled). */
  readonly events: number;
  /** Acknowledged moves whose message has not exactly one event, with the count found. */
  readonly wrongCounts: readonly string[];
  /** Worker processes that did not exit 0, with their stderr. */
  readonly failures: readonly string[];
  /** `untracked` rows of the reconciled history. */
  readonly untracked: number;
  /** Events `verifyAliasHistory` counted after the folds (the whole chain verified). */
  readonly verified: number;
  /** Entry tags left after two folds past the grace time. */
  readonly leftoverEntries: number;
  /** The history read again after the folds equals the one read before. */
  readonly foldChangedNothing: boolean;
  readonly ms: number;
}

/** One race on `reg` under a fresh prefix. */
export async function raceOnce(reg: TestRegistry, prefix: string, shape: RaceShape): Promise<RaceResult> {
  const writers = shape.writers ?? 4;
  const moves = shape.moves ?? 25;
  const setup = reg.open();
  try {
    const base = new OcmRepository(setup, { prefix });
    for (const v of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) await base.addComponentVersion(descriptor(v));
    const started = performance.now();
    const runs = await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        runTsxWorker(
          worker,
          [
            'registry',
            reg.host,
            prefix,
            String(w),
            String(moves),
            shape.shared ? 'stage' : `a${w}`,
            String(shape.foldEvery ?? 8),
          ],
          { cwd: projectRoot },
        ),
      ),
    );
    const ms = performance.now() - started;
    const failures = runs.filter((r) => r.code !== 0).map((r) => `exit ${r.code ?? r.signal}: ${r.stderr}`);
    const moved = runs.flatMap((r) => r.lines.filter((l) => l.startsWith('MOVE ')).map((l) => l.slice(5)));
    const events = (await getAliasHistory(base, C, { reconcile: false })) as HistoryEvent[];
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.message ?? '', (counts.get(e.message ?? '') ?? 0) + 1);
    const wrongCounts = moved.filter((m) => counts.get(m) !== 1).map((m) => `${m}: ${counts.get(m) ?? 0}`);
    const untracked = (await getAliasHistory(base, C)).filter((e) => e.operation === 'untracked').length;
    const ociStore = base.ociStore(C);
    const later = { now: () => Date.now() + DEFAULT_GRACE_MS };
    await foldHistory(ociStore, C, later);
    await foldHistory(ociStore, C, later);
    let leftoverEntries = 0;
    for await (const page of ociStore.tags())
      leftoverEntries += page.filter((t) => t.startsWith(ENTRY_TAG_PREFIX)).length;
    const verified = (await verifyAliasHistory(base, C)).events;
    const again = await getAliasHistory(base, C, { reconcile: false });
    return {
      moves: moved.length,
      events: events.length,
      wrongCounts,
      failures,
      untracked,
      verified,
      leftoverEntries,
      foldChangedNothing: JSON.stringify(again) === JSON.stringify(events),
      ms,
    };
  } finally {
    await setup.close();
  }
}
