/**
 * kill -9 of `ocm promote` into a stage of another registry, at the three steps that matter, then a
 * rerun: during the copy (a blob upload into B held), at the alias move in B (its PUT held, after the
 * history entry), and after the move but before A records where the version went (A's entry PUT
 * held). Each time the rerun completes the promotion: prod in B at the candidate, exactly one
 * `promote` event in B and exactly one record in A, no untracked row on either side. Proxies in front
 * of the real registries hold the chosen request, so each kill lands where it is aimed; each round
 * asserts that it did.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { getAliasHistory, type HistoryEvent } from '../../src/stages/history/index.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { BUILD_TIMEOUT_MS, builtBinary } from '../support/built.js';
import { type HoldProxy, startHoldProxy } from '../support/hold-proxy.js';
import { addPart } from '../support/products.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';
import { within } from '../support/within.js';

const document = (prod: string) => `stages:
  - name: staging
  - name: prod
    from: staging
    repository: ${prod}
`;

describe('promotion into another registry: kill -9 at each step, then a rerun', () => {
  let a: TestRegistry;
  let b: TestRegistry;
  let viaA: HoldProxy;
  let viaB: HoldProxy;
  let bin: string;
  let home: Awaited<ReturnType<typeof tempDir>>;
  before(
    async () => {
      [a, b, home, bin] = await Promise.all([
        startRegistry('anonymous'),
        startRegistry('anonymous'),
        tempDir(),
        builtBinary(),
      ]);
      [viaA, viaB] = await Promise.all([startHoldProxy(a.host), startHoldProxy(b.host)]);
    },
    { timeout: BUILD_TIMEOUT_MS },
  );
  after(async () => {
    await Promise.all([viaA?.close(), viaB?.close()]);
    await Promise.all([a?.close(), b?.close(), home?.remove()]);
  });

  const A = () => `${viaA.host}/dev`;
  const B = () => `${viaB.host}/prod`;

  const promoteProcess = (component: string): { child: ChildProcess; exit: Promise<number | string> } => {
    const child = spawn(
      process.execPath,
      [bin, 'promote', 'cv', `${A()}//${component}`, '--to', 'prod', '--no-cache'],
      {
        cwd: home.path,
        env: { PATH: process.env.PATH ?? '', HOME: home.path, OCM_ACTOR: 'release-bot' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout!.resume();
    const exit = new Promise<number | string>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? (code === 0 ? 0 : `${code}: ${stderr}`))),
    );
    return { child, exit };
  };

  async function round(
    component: string,
    proxy: () => HoldProxy,
    matches: (method: string, path: string) => boolean,
  ): Promise<{ held: string; prodMovedBeforeKill: boolean; recordedInA: number }> {
    const direct = { a: await openRepository(`${a.host}/dev`), b: await openRepository(`${b.host}/prod`) };
    try {
      await addPart(direct.a.repository, { name: `${component}-part` });
      await addPart(direct.a.repository, { name: component, refs: { part: `${component}-part:1.0.0` } });
      await setStagePolicy(direct.a.repository, component, document(B()));
      await direct.a.repository.addComponentVersionAlias(component, '1.0.0', 'staging');
      const candidate = await direct.a.repository.resolveComponentVersion(component, '1.0.0');

      const hit = proxy().hold(matches);
      const first = promoteProcess(component);
      const held = await within(hit, 60_000, `the held request of ${component}`);
      first.child.kill('SIGKILL');
      assert.equal(await within(first.exit, 30_000, 'the killed process to exit'), 'SIGKILL');
      proxy().release();
      const prodMovedBeforeKill = await direct.b.repository
        .resolveComponentVersion(component, 'prod')
        .then((r) => r.digest === candidate.digest)
        .catch(() => false);
      const departures = async () =>
        (await getAliasHistory(direct.a.repository, component)).filter(
          (e) => e.operation === 'promote' && e.alias === null,
        ).length;
      const recordedInA = await departures();

      const rerun = promoteProcess(component);
      assert.equal(await within(rerun.exit, 60_000, 'the rerun'), 0);

      assert.equal(
        (await direct.b.repository.resolveComponentVersion(component, 'prod')).digest,
        candidate.digest,
      );
      const inB = await getAliasHistory(direct.b.repository, component);
      assert.ok(
        inB.every((e) => e.operation !== 'untracked'),
        'no untracked row in B',
      );
      assert.equal(
        inB.filter((e) => e.operation === 'promote' && e.alias === 'prod').length,
        1,
        'exactly one promote event in B',
      );
      const inA = await getAliasHistory(direct.a.repository, component);
      assert.ok(
        inA.every((e) => e.operation !== 'untracked'),
        'no untracked row in A',
      );
      assert.equal(await departures(), 1, 'exactly one record in A');
      const record = inA.find((e): e is HistoryEvent => e.alias === null && e.operation === 'promote')!;
      assert.equal(record.details?.repository, B());
      assert.equal(record.to?.digest, candidate.digest);
      return { held, prodMovedBeforeKill, recordedInA };
    } finally {
      await direct.a.close();
      await direct.b.close();
    }
  }

  it('killed during the copy: nothing visible in B, the rerun completes', async () => {
    const r = await round(
      'example.com/kill/copy',
      () => viaB,
      (m, p) => m === 'POST' && p.includes('/blobs/uploads/'),
    );
    assert.match(r.held, /^POST \/v2\/prod\/.*\/blobs\/uploads\//);
    assert.equal(r.prodMovedBeforeKill, false);
    assert.equal(r.recordedInA, 0);
  });

  it('killed at the alias move in B: the rerun moves it once', async () => {
    const r = await round(
      'example.com/kill/move',
      () => viaB,
      (m, p) => m === 'PUT' && p.endsWith('/manifests/prod'),
    );
    assert.equal(r.prodMovedBeforeKill, false);
    assert.equal(r.recordedInA, 0);
  });

  it('killed after the move, before A records it: the rerun writes the record once', async () => {
    const r = await round(
      'example.com/kill/record',
      () => viaA,
      (m, p) => m === 'PUT' && /\/manifests\/_ocm\.he\.[0-9]{8}T[0-9]+Z\.[0-9a-f]{64}$/.test(p),
    );
    assert.equal(r.prodMovedBeforeKill, true, 'the kill landed after prod moved in B');
    assert.equal(r.recordedInA, 0);
  });
});
