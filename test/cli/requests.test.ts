/**
 * What the `ocm` commands cost on a real registry, request by request (a pass-through proxy logs
 * them): a plain move of a stage reads the stages document once, and reading the history lists the
 * tags once. Each figure is a count the README and docs/history.md state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { setStagePolicy } from '../../src/stages/index.js';
import { ocm } from '../support/cli.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { type HoldProxy, startHoldProxy } from '../support/hold-proxy.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { stagesDocument } from '../support/stages.js';
import { tempDir } from '../support/tmp.js';

describe('requests of ocm commands on a registry', () => {
  let registry: TestRegistry;
  let proxy: HoldProxy;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    dir = await tempDir('ocm-requests-');
    registry = await startRegistry('anonymous');
    proxy = await startHoldProxy(registry.host);
    const { repository, close } = await openRepository(`${registry.host}/req`);
    try {
      for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v));
      await setStagePolicy(repository, C, stagesDocument({ freeze: false }));
    } finally {
      await close();
    }
  });
  after(async () => {
    await proxy?.close();
    await registry?.close();
    await dir?.remove();
  });

  const ref = () => `${proxy.host}/req//${C}`;
  /** The requests `fn` made, paths shortened to what follows the component's repository. */
  async function logged(fn: () => Promise<unknown>): Promise<string[]> {
    const from = proxy.log.length;
    await fn();
    return proxy.log
      .slice(from)
      .map((l) => l.replace(/\/v2\/req\/component-descriptors\/[^ ]*?\/(manifests|tags|blobs)/, '/$1'));
  }
  const run = async (...argv: string[]) => {
    const r = await ocm(argv, { cwd: dir.path });
    assert.equal(r.code, 0, r.stderr);
  };

  /** The stages document: its manifest under `_ocm.stages`, then its one blob (no content cache here). */
  const policyRead = (l: string) => l === 'GET /manifests/_ocm.stages' || l.startsWith('GET /blobs/');

  it('a move of an ungated stage: the stages document read once, then five requests for the move and its event', async () => {
    await run('tag', 'cv', `${ref()}:1.0.0`, 'dev');
    const all = await logged(() => run('tag', 'cv', `${ref()}:1.1.0`, 'dev'));
    // About one move in eight also folds the history after its event: those requests come last.
    const done = all.findIndex((l) => /^PUT \/manifests\/_ocm\.he\.[^ ]+\.d$/.test(l));
    assert.ok(done > 0, all.join('\n'));
    const move = all.slice(0, done + 1);
    assert.equal(move.filter((l) => l === 'GET /manifests/_ocm.stages').length, 1, move.join('\n'));
    assert.equal(move.filter((l) => !policyRead(l)).length, 5, move.join('\n'));
  });

  it('the history of a component: one tag listing, the stages document (its trust) once, each alias once', async () => {
    const read = await logged(() => run('get', 'history', ref()));
    assert.equal(read.filter((l) => l.startsWith('GET /tags/list')).length, 1, read.join('\n'));
    assert.equal(read.filter((l) => l === 'GET /manifests/_ocm.stages').length, 1, read.join('\n'));
    assert.equal(read.filter((l) => / \/manifests\/dev$/.test(l)).length, 1, read.join('\n'));
  });
});
