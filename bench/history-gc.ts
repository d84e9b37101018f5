/**
 * Distribution's garbage collection on storage where history folds deleted entry manifests that
 * carried two tags (`_ocm.he.X` and `_ocm.he.X.d`) by digest, while other writers wrote. Once, a run
 * saw `garbage-collect` fail with "failed to mark: filesystem: invalid checksum digest format" after
 * the racing writers of test/stages/history-registry.test.ts; this tries to make that happen again.
 * Each try: a fresh registry, 4 writers x 25 moves on one alias, each folding after every move with
 * a short grace time (so folds delete entries while the others write, 8 deletions at once per fold),
 * then folds past the grace time (every entry deleted), then `docker-registry garbage-collect
 * --delete-untagged`, then the history read and verified again. Prints one row per try; a failure
 * of the collector is printed with its output, never fatal.
 *
 *   node --import tsx bench/history-gc.ts [--tries N]
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OcmRepository } from '../src/repository/index.js';
import { foldHistory, getAliasHistory, HistoryJournal, verifyAliasHistory } from '../src/stages/index.js';
import { COMPONENT as C, descriptor } from '../test/support/descriptors.js';
import { startRegistry } from '../test/support/registry.js';
import { garbageCollect } from '../test/support/registry-gc.js';
import { emit } from './lib.js';

const { values } = parseArgs({ options: { tries: { type: 'string', default: '20' } } });
const tries = Number(values.tries);
const GRACE_MS = 3000;

/** `link` files under the storage whose content is not a digest (what the collector chokes on). */
async function badLinks(root: string): Promise<string[]> {
  const bad: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || e.name !== 'link') continue;
    const path = join(e.parentPath, e.name);
    if (!/^sha256:[0-9a-f]{64}$/.test(await readFile(path, 'utf8'))) bad.push(path.slice(root.length));
  }
  return bad;
}

async function once(): Promise<{
  moves: number;
  deleted: number;
  gc: string;
  bad: string[];
  events: number;
}> {
  const reg = await startRegistry('anonymous');
  try {
    const setup = reg.open();
    const base = new OcmRepository(setup, { prefix: 'gc' });
    for (const v of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) await base.addComponentVersion(descriptor(v));
    const moved = await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        const store = reg.open();
        const journal = new HistoryJournal({ actor: `w${w}`, foldEvery: 1, graceMs: GRACE_MS });
        const repo = new OcmRepository(store, { prefix: 'gc', journal });
        let n = 0;
        try {
          for (let i = 0; i < 25; i++) {
            const r = await repo.addComponentVersionAlias(C, `1.${(w + i) % 4}.0`, 'stage');
            if (r.previous?.digest !== r.digest) n++;
          }
        } finally {
          await store.close();
        }
        return n;
      }),
    );
    const later = { now: () => Date.now() + 10 * GRACE_MS, graceMs: GRACE_MS };
    let deleted = 0;
    for (let i = 0; i < 2; i++) deleted += (await foldHistory(base.ociStore(C), C, later)).deleted;
    const before = await getAliasHistory(base, C);
    await setup.close();
    const bad = await badLinks(join(reg.dir, 'data'));
    let gc: string;
    try {
      const r = await garbageCollect(reg, { deleteUntagged: true });
      gc = `ok (${r.manifestsDeleted} manifests, ${r.blobsDeleted} blobs)`;
    } catch (err) {
      gc = `FAILED: ${(err as Error).message.split('\n').slice(0, 4).join(' | ')}`;
    }
    const after = reg.open();
    try {
      const repo = new OcmRepository(after, { prefix: 'gc' });
      const same = JSON.stringify(await getAliasHistory(repo, C)) === JSON.stringify(before);
      const events = (await verifyAliasHistory(repo, C)).events;
      if (!same) gc += '; the history changed';
      return { moves: moved.reduce((a, b) => a + b, 0), deleted, gc, bad, events };
    } finally {
      await after.close();
    }
  } finally {
    await reg.close();
  }
}

console.log(
  `# garbage-collect --delete-untagged after racing writers whose folds deleted entries, ${tries} tries`,
);
console.log(
  '| try | moves | events | entries deleted by the last folds | bad link files | garbage-collect |',
);
console.log('|---|---|---|---|---|---|');
let failed = 0;
for (let t = 1; t <= tries; t++) {
  const r = await once();
  if (!r.gc.startsWith('ok') || r.bad.length > 0 || r.events !== r.moves) failed++;
  console.log(`| ${t} | ${r.moves} | ${r.events} | ${r.deleted} | ${r.bad.length} | ${r.gc} |`);
  for (const b of r.bad.slice(0, 5)) console.log(`  bad link: ${b}`);
}
emit({
  scenario: 'garbage-collect --delete-untagged after folds deleted twice-tagged entries (racing writers)',
  ours: tries - failed,
  baseline: tries,
  unit: 'tries',
  ratio: (tries - failed) / tries,
  ratioMeaning: 'tries where the collector succeeded and the history read the same / tries',
  baselineName: 'tries',
  requests: null,
  aim: 'every try',
  met: failed === 0,
  runs: tries,
});
