/**
 * `ocm promote REPOSITORY --to STAGE --auto` from the built binary: it starts, promotes what is
 * ready, prints JSON lines, survives its registry being stopped and started again on the same port,
 * skips a stage that is not automatic, and exits 0 on SIGTERM and on SIGINT. The timing rules are
 * tested through the library with an injected clock (test/stages/auto.test.ts); here every wait is
 * bounded.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { getAliasHistory, setStagePolicy } from '../../src/stages/index.js';
import { BUILD_TIMEOUT_MS, builtBinary } from '../support/built.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { startRegistry } from '../support/registry.js';
import { startOcm as ocm, type Running, until } from '../support/running.js';
import { autoDocument } from '../support/stages.js';
import { tempDir } from '../support/tmp.js';
import { within } from '../support/within.js';

/** Exit code within 15 s (the child is killed by the test's finally otherwise). */
const exited = (r: Running) => within(r.exit, 15_000, 'the exit');

const lines = (r: Running) =>
  r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { component: string; outcome: string; detail: string; candidate?: string });

let dir: { path: string; remove: () => Promise<void> };
before(() => builtBinary(), { timeout: BUILD_TIMEOUT_MS });
before(async () => {
  dir = await tempDir();
});
after(() => dir?.remove());

describe('ocm promote --auto (built binary)', () => {
  it('on a registry: promotes what is ready, JSON lines, survives a registry restart, exits 0 on SIGTERM', async () => {
    const reg = await startRegistry('anonymous');
    const { repository, close } = await openRepository(`${reg.host}/auto`);
    let r: Running | undefined;
    try {
      for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v));
      await setStagePolicy(repository, C, autoDocument());
      await repository.addComponentVersionAlias(C, '1.0.0', 'staging', { force: true });
      r = ocm(
        [
          'promote',
          `${reg.host}/auto`,
          '--to',
          'prod',
          '--auto',
          '--interval',
          '1s',
          '-o',
          'json',
          '--by',
          'auto-bot',
        ],
        dir.path,
      );
      const running = r;
      await until('the first promotion', () => running.stdout.includes('"promoted"'), 30_000, running);
      assert.match(r.stderr, /promoting prod of every component automatically, looking every 1s/);
      const [first] = lines(r);
      assert.deepEqual([first?.component, first?.outcome, first?.candidate], [C, 'promoted', '1.0.0']);

      await reg.stop();
      await until('a failed look', () => running.stdout.includes('"failed"'), 30_000, running);
      await reg.start();
      await repository.addComponentVersionAlias(C, '1.1.0', 'staging', { force: true });
      await until(
        'the promotion after the restart',
        () => lines(running).some((l) => l.candidate === '1.1.0' && l.outcome === 'promoted'),
        30_000,
        running,
      );
      const outcomes = lines(r).map((l) => l.outcome);
      assert.equal(outcomes[0], 'promoted');
      assert.ok(outcomes.includes('failed'), outcomes.join(', '));
      assert.ok(
        outcomes.every((o) => o === 'promoted' || o === 'failed'),
        outcomes.join(', '),
      );
      assert.equal(outcomes.at(-1), 'promoted');
      assert.equal((await repository.resolveComponentVersion(C, 'prod')).version, '1.1.0');
      const [event] = await getAliasHistory(repository, C, { alias: 'prod', limit: 1 });
      assert.equal(event?.operation, 'promote');
      assert.deepEqual([event.actor, event.details?.auto], ['auto-bot', true]);

      r.child.kill('SIGTERM');
      assert.equal(await exited(r), 0, r.stderr);
    } finally {
      r?.child.kill('SIGKILL');
      await close();
      await reg.close();
    }
  });

  it('on a CTF: skips a stage that is not automatic, says so in a line, exits 0 on SIGINT', async () => {
    const ctf = join(dir.path, 'ctf');
    const { repository, close } = await openRepository(ctf, { create: true });
    await repository.addComponentVersion(descriptor('1.0.0'));
    await setStagePolicy(repository, C, autoDocument('', '', { auto: false }));
    await repository.addComponentVersionAlias(C, '1.0.0', 'staging', { force: true });
    await close();
    const r = ocm(['promote', `${ctf}//${C}`, '--to', 'prod', '--auto', '--interval', '1s'], dir.path);
    try {
      await until('the skipped line', () => r.stdout.includes('skipped'), 30_000, r);
      assert.match(
        r.stdout,
        /^\S+Z example\.com\/shop\/checkout prod skipped: prod is not automatic \(auto: true in the stages document\)\n$/,
      );
      r.child.kill('SIGINT');
      assert.equal(await exited(r), 0, r.stderr);
      const check = await openRepository(ctf);
      await assert.rejects(
        check.repository.resolveComponentVersion(C, 'prod'),
        /not found|no version or alias/,
      );
      await check.close();
    } finally {
      r.child.kill('SIGKILL');
    }
  });

  it('refuses --dry-run and --interval without --auto (exit 2)', async () => {
    const d = ocm(['promote', './x', '--to', 'prod', '--auto', '--dry-run'], dir.path);
    assert.equal(await exited(d), 2);
    assert.match(d.stderr, /--dry-run does not go with --auto/);
    const i = ocm(['promote', './x', '--to', 'prod', '--interval', '5s'], dir.path);
    assert.equal(await exited(i), 2);
    assert.match(i.stderr, /--interval goes with --auto/);
  });
});
