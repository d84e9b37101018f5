/**
 * History writes at many aliases on a CTF directory (docs/history.md, "What is stored"): N aliases
 * set in one batch (one command) and one at a time, with the time taken, the bytes the CTF grew by,
 * and its size after `gc` (no grace time: the benchmark is the only writer). The cost of one history
 * write must not grow with the number of aliases: one batch writes O(N) bytes, one at a time O(1) per
 * move (plus the chunk rewrite every 64 events).
 *
 * Before (2026-12-06, every history manifest carried a summary of every alias): 2,500 aliases one at
 * a time took 52.5 s and grew the CTF to 1.8 GB; `ocm gc` reclaimed 1.4 GiB only after 10 minutes.
 *
 *   node --import tsx bench/history-aliases.ts [--aliases N]
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CtfStore } from '../src/ctf/store.js';
import { OcmRepository } from '../src/repository/index.js';
import { HistoryJournal, verifyAliasHistory } from '../src/stages/index.js';
import { COMPONENT as C, descriptor } from '../test/support/descriptors.js';
import { emit } from './lib.js';

const { values } = parseArgs({ options: { aliases: { type: 'string', default: '2500' } } });
const n = Number(values.aliases);

async function size(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

async function run(mode: 'batch' | 'single') {
  const dir = await mkdtemp(join(tmpdir(), 'ocm-bench-aliases-'));
  try {
    const path = join(dir, 'ctf');
    const store = await CtfStore.open(path, { create: true });
    const repo = new OcmRepository(store, { journal: new HistoryJournal({ actor: 'bench' }) });
    await repo.addComponentVersion(descriptor('1.0.0'));
    const before = await size(path);
    const t0 = performance.now();
    if (mode === 'batch') {
      await repo.batch(async (tx) => {
        for (let i = 0; i < n; i++) await tx.addComponentVersionAlias(C, '1.0.0', `a${i}`);
      });
    } else {
      for (let i = 0; i < n; i++) await repo.addComponentVersionAlias(C, '1.0.0', `a${i}`);
    }
    const ms = performance.now() - t0;
    const grown = (await size(path)) - before;
    const report = await store.ctf.gc({ graceMs: 0 });
    const after = (await size(path)) - before;
    const events = (await verifyAliasHistory(repo, C)).events;
    if (events !== n) throw new Error(`${events} events, expected ${n}`);
    await store.close();
    return { ms, grown, after, reclaimed: report.bytes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`# ${n} aliases on a CTF directory, with history`);
console.log('| mode | time | CTF grew by | after gc | gc reclaimed |');
console.log('|---|---|---|---|---|');
for (const mode of ['batch', 'single'] as const) {
  const r = await run(mode);
  console.log(
    `| ${mode === 'batch' ? 'one command' : 'one at a time'} | ${(r.ms / 1000).toFixed(1)} s | ${mib(r.grown)} | ${mib(r.after)} | ${mib(r.reclaimed)} |`,
  );
  emit({
    scenario: `CTF: ${n} aliases with history, ${mode === 'batch' ? 'one command' : 'one at a time'} (bytes written)`,
    ours: r.grown,
    baseline: mode === 'single' ? 1.8 * 1024 ** 3 : r.grown,
    unit: 'bytes',
    ratio: mode === 'single' ? r.grown / (1.8 * 1024 ** 3) : 1,
    ratioMeaning: 'bytes written / bytes written before (1.8 GB for 2,500 one at a time, 2026-12-06)',
    baselineName: 'the same before the summary was dropped (recorded figure)',
    requests: null,
    aim: 'O(N) bytes',
    met: r.grown < 64 * 1024 * 1024,
    runs: 1,
    extra: { seconds: Number((r.ms / 1000).toFixed(1)), afterGcBytes: r.after },
  });
}
