/**
 * Cost of one tag operation (moving a tag: lock, read index, rewrite it atomically, unlock) on a
 * CTF holding 10 entries versus 10,000 entries, measured in the same run.
 * Aim (issue 2): the 10,000-entry median at most 5x the 10-entry median.
 *
 *   node --import tsx bench/ctf-tag.ts [--ops N] [--formats directory,tar]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CtfStore } from '../src/ctf/store.js';
import { blob, manifest } from '../test/support/content.js';
import { emit } from './lib.js';

const { values } = parseArgs({
  options: { ops: { type: 'string', default: '200' }, formats: { type: 'string', default: 'directory,tar' } },
});
const ops = Number(values.ops);

async function prepare(path: string, entries: number) {
  const store = await CtfStore.open(path, { create: true });
  const config = blob('{}', 'application/vnd.oci.empty.v1+json');
  const targets = [manifest([], config, 'a'), manifest([], config, 'b')];
  const filler = Array.from({ length: 8 }, (_, i) => manifest([], config, `filler-${i}`));
  await store.batch(async (tx) => {
    const repo = tx.repository('component-descriptors/example.com/app');
    await repo.push(config.descriptor, config.bytes);
    for (const m of [...targets, ...filler]) await repo.push(m.descriptor, m.bytes);
    // `entries - 2` version tags over the filler manifests, the tag we move, and its untagged other target.
    for (let i = 0; i < entries - 2; i++) await repo.tag(filler[i % filler.length]!.descriptor, `1.0.${i}`);
    await repo.tag(targets[0]!.descriptor, 'prod');
  });
  return { store, targets };
}

async function measure(format: string, entries: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'ocm-bench-'));
  try {
    const file = format === 'directory' ? 'ctf' : format === 'tar' ? 'ctf.tar' : 'ctf.tgz';
    const { store, targets } = await prepare(join(dir, file), entries);
    const entryCount = (await store.ctf.view()).index.entries.length;
    if (entryCount !== entries) throw new Error(`prepared ${entryCount} entries, wanted ${entries}`);
    const repo = store.repository('component-descriptors/example.com/app');
    const samples: number[] = [];
    for (let i = 0; i < ops; i++) {
      const t0 = process.hrtime.bigint();
      await repo.tag(targets[(i + 1) % 2]!.descriptor, 'prod');
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    await store.close();
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)]!;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`# CTF tag operation, median of ${ops} moves`);
console.log('| format | 10 entries | 10,000 entries | ratio |');
console.log('|---|---|---|---|');
for (const format of values.formats.split(',')) {
  const small = await measure(format, 10);
  const large = await measure(format, 10_000);
  console.log(
    `| ${format} | ${small.toFixed(2)} ms | ${large.toFixed(2)} ms | ${(large / small).toFixed(2)}x |`,
  );
  emit({
    scenario: `CTF tag operation (${format}): 10,000 entries vs 10 entries`,
    ours: large,
    baseline: small,
    unit: 'ms',
    ratio: large / small,
    ratioMeaning: '10,000-entry time / 10-entry time (lower is better)',
    baselineName: 'same operation, 10 entries',
    requests: null,
    aim: '<= 5x',
    met: large / small <= 5,
    runs: ops,
  });
}
