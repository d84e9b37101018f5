/**
 * Crash safety and concurrency of CTF writers in every format (directory, .tar, .tgz): children are
 * killed with SIGKILL at random moments; concurrent processes tag and untag the same archive.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ArtifactIndex } from '../../src/ctf/artifact-index.js';
import { CtfStore } from '../../src/ctf/store.js';
import { fetchAll, readAll } from '../../src/oci/content/read.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { orAbsent, orNoFile } from '../support/absent.js';
import { blob, manifest } from '../support/content.js';
import { projectRoot } from '../support/paths.js';
import { countSetting } from '../support/settings.js';
import { runTsxWorker } from '../support/spawn.js';
import { tempDir } from '../support/tmp.js';

const worker = join(projectRoot, 'test/support/ctf-worker.ts');
const KILLS = countSetting('OCM_CRASH_KILLS', 24);

function runWorker(args: string[], killAfterMs?: number) {
  return runTsxWorker(worker, args, {
    cwd: projectRoot,
    ...(killAfterMs === undefined ? {} : { killAfterMs }),
  });
}

/** Index bytes must parse strictly, and every reported tag must resolve to verified content. */
async function verify(path: string, done: Map<string, string>): Promise<void> {
  const store = await CtfStore.open(path, { mode: 'readonly' });
  try {
    const repo = store.repository('stress/app');
    for (const [tag, digest] of done) {
      const desc = await repo.resolve(tag);
      assert.equal(desc.digest, digest, `tag ${tag}`);
      const m = parseManifest(await fetchAll(repo, desc), desc.mediaType);
      if ('layers' in m) for (const l of [m.config, ...m.layers]) await readAll(await repo.fetch(l), l.size);
    }
    const latest = await orAbsent(repo.resolve('latest'));
    if (latest) await fetchAll(repo, latest);
  } finally {
    await store.close();
  }
}

describe('CTF crash safety', { concurrency: true }, () => {
  for (const file of ['transport-archive', 'transport-archive.tar', 'transport-archive.tgz']) {
    it(`${file}: ${KILLS} SIGKILLs at random moments lose no acknowledged tag`, {
      timeout: 600_000,
    }, async () => {
      const dir = await tempDir();
      try {
        const path = join(dir.path, file);
        const done = new Map<string, string>();
        let killed = 0;
        for (let round = 0; round < KILLS; round++) {
          const run = await runWorker(['crash', path, String(round)], 5 + Math.random() * 120);
          assert.equal(run.signal, 'SIGKILL', `worker ended by itself: ${run.stderr}`);
          killed++;
          for (const line of run.lines) {
            const [kind, tag, digest] = line.split(' ');
            if (kind === 'DONE') done.set(tag!, digest!);
          }
          if (file === 'transport-archive') {
            const raw = await orNoFile(readFile(join(path, 'artifact-index.json')));
            assert.ok(raw, `round ${round}: an acknowledged directory CTF has its index`);
            ArtifactIndex.parse(raw, { strict: true });
          }
          await verify(path, done);
        }
        assert.equal(killed, KILLS);
        assert.ok(done.size >= KILLS / 2, `only ${done.size} acknowledged tags in ${KILLS} rounds`);
      } finally {
        await dir.remove();
      }
    });
  }
});

describe('CTF concurrent writers', () => {
  for (const file of ['transport-archive', 'transport-archive.tar', 'transport-archive.tgz']) {
    it(`${file}: 4 processes x 100 tag/untag operations lose no update`, { timeout: 300_000 }, async () => {
      const dir = await tempDir();
      try {
        const path = join(dir.path, file);
        const store = await CtfStore.open(path, { create: true });
        const config = blob('{}', 'application/vnd.oci.empty.v1+json');
        await store.batch(async (tx) => {
          const repo = tx.repository('stress/app');
          await repo.push(config.descriptor, config.bytes);
          for (let k = 0; k < 10; k++) {
            const m = manifest([], config, `seed-${k}`);
            await repo.push(m.descriptor, m.bytes);
            await repo.tag(m.descriptor, `seed-${k}`);
          }
        });
        await store.close();
        const runs = await Promise.all(
          [0, 1, 2, 3].map((id) => runWorker(['tagger', path, String(id), '100'])),
        );
        const expected = new Map<string, string | undefined>();
        for (const run of runs) {
          assert.equal(run.code, 0, run.stderr);
          assert.equal(run.lines.length, 100);
          for (const line of run.lines) {
            const [kind, tag, digest] = line.split(' ');
            expected.set(tag!, kind === 'TAG' ? digest : undefined);
          }
        }
        const check = await CtfStore.open(path, { mode: 'readonly' });
        try {
          const repo = check.repository('stress/app');
          for (const [tag, digest] of expected) {
            if (digest === undefined) await assert.rejects(repo.resolve(tag), { code: 'NOT_FOUND' }, tag);
            else assert.equal((await repo.resolve(tag)).digest, digest, tag);
          }
          const index = (await check.ctf.view()).index;
          const pairs = index.entries
            .filter((e) => e.tag !== undefined)
            .map((e) => `${e.repository}:${e.tag}`);
          assert.equal(new Set(pairs).size, pairs.length, 'no duplicate repository/tag pair');
          const live = [...expected.values()].filter((v) => v !== undefined).length;
          assert.equal(pairs.length, live + 10, 'exactly the acknowledged tags plus the seeds');
        } finally {
          await check.close();
        }
      } finally {
        await dir.remove();
      }
    });
  }
});
