/**
 * End to end: `ocm get cv REF:ALIAS --watch` from the built binary (dist/bin/main.js) against a real
 * Distribution registry behind a counting proxy, and on a CTF; --exec; SIGTERM; a registry that goes
 * away and comes back.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { BUILD_TIMEOUT_MS, builtBinary } from '../support/built.js';
import { descriptor } from '../support/descriptors.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { sharedRegistry } from '../support/registry.js';
import { startOcm, until } from '../support/running.js';
import { tempDir } from '../support/tmp.js';

const C = 'example.com/shop/checkout';

const watch = startOcm;

/** A TCP forwarder that can be stopped (connections refused) and started again on the same port. */
async function forwarder(target: string) {
  const [host, port] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;
  const start = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(port), host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(listenPort, '127.0.0.1', () => {
        const a = server!.address();
        if (typeof a === 'object' && a) listenPort = a.port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server?.close(() => resolve());
    });
  await start();
  return { host: () => `127.0.0.1:${listenPort}`, start, stop };
}

let dir: { path: string; remove: () => Promise<void> };
// The built binary, rebuilt first when src/ is newer.
before(() => builtBinary(), { timeout: BUILD_TIMEOUT_MS });
before(async () => {
  dir = await tempDir();
});
after(() => dir?.remove());

describe('ocm get cv --watch (built binary)', () => {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());

  it('on a registry: a move is seen within two intervals, one HEAD per interval, --exec gets the variables', async () => {
    const reg = await registry.get();
    const proxy = await startFaultProxy({ target: reg.host, rates: {} });
    const { repository, close } = await openRepository(`${reg.host}/watch`);
    const interval = 1000;
    for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v));
    await repository.addComponentVersionAlias(C, '1.0.0', 'prod');
    const out = join(dir.path, 'exec.txt');
    const w = watch(
      [
        'get',
        'cv',
        `${proxy.host}/watch//${C}:prod`,
        '--watch',
        '--interval',
        `${interval}ms`,
        '--exec',
        `printf '%s|%s|%s|%s|%s\\n' "$OCM_COMPONENT" "$OCM_ALIAS" "$OCM_VERSION" "$OCM_DIGEST" "$OCM_PREVIOUS_VERSION" >> ${out}`,
      ],
      dir.path,
    );
    try {
      await until('the watch to start', () => w.stderr.includes('watching'));
      assert.match(w.stderr, /watching example\.com\/shop\/checkout:prod every 1s: 1\.0\.0 \(sha256:/);
      // Quiet: count what the watch asks for over a few intervals.
      const from = proxy.log.length;
      const quietStart = Date.now();
      await new Promise((r) => setTimeout(r, 4.5 * interval));
      const quiet = proxy.log.slice(from);
      const elapsed = Date.now() - quietStart;
      const manifest = `/v2/watch/component-descriptors/${C}/manifests/prod`;
      assert.ok(
        quiet.every((l) => l === `HEAD ${manifest}`),
        `only HEADs of the alias while nothing moves: ${quiet.join(', ')}`,
      );
      const expected = elapsed / interval;
      assert.ok(
        quiet.length >= Math.floor(expected) - 1 && quiet.length <= Math.ceil(expected) + 1,
        `${quiet.length} requests in ${elapsed} ms at one per ${interval} ms`,
      );
      console.log(`watch: ${quiet.length} requests in ${elapsed} ms (interval ${interval} ms)`);
      const change = await repository.addComponentVersionAlias(C, '1.1.0', 'prod');
      const moved = Date.now();
      await until('the move', () => w.stdout.includes(' -> 1.1.0'), 4 * interval);
      const seenAfter = Date.now() - moved;
      assert.ok(seenAfter <= 2 * interval, `seen ${seenAfter} ms after the move`);
      console.log(`watch: move seen after ${seenAfter} ms (interval ${interval} ms)`);
      assert.match(
        w.stdout,
        new RegExp(`^\\S+Z example\\.com/shop/checkout:prod 1\\.0\\.0 -> 1\\.1\\.0 ${change.digest}\\n$`),
      );
      await until('the --exec output', () => existsSync(out));
      assert.equal(await readFile(out, 'utf8'), `${C}|prod|1.1.0|${change.digest}|1.0.0\n`);
      w.child.kill('SIGTERM');
      assert.equal(await w.exit, 0, `SIGTERM ends the watch cleanly: ${w.stderr}`);
      assert.doesNotMatch(w.stderr, /Error/);
    } finally {
      w.child.kill('SIGKILL');
      await close();
      await proxy.close();
    }
  });

  it('-o json prints one JSON object per move; a registry that goes away is reported and retried', async () => {
    const reg = await registry.get();
    const fwd = await forwarder(reg.host);
    const { repository, close } = await openRepository(`${reg.host}/away`);
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await repository.addComponentVersion(descriptor(v));
    await repository.addComponentVersionAlias(C, '1.0.0', 'dev');
    const w = watch(
      ['get', 'cv', `${fwd.host()}/away//${C}:dev`, '--watch', '--interval', '300ms', '-o', 'json'],
      dir.path,
    );
    try {
      await until('the watch to start', () => w.stderr.includes('watching'));
      await repository.addComponentVersionAlias(C, '1.1.0', 'dev');
      await until('the first move', () => w.stdout.split('\n').length >= 2);
      await fwd.stop();
      await until('the failure report', () => /look 1 in a row failed/.test(w.stderr), 30_000);
      await repository.addComponentVersionAlias(C, '1.2.0', 'dev');
      await fwd.start();
      await until('the recovery', () => /readable again after \d+ failed looks/.test(w.stderr), 30_000);
      await until('the second move', () => w.stdout.split('\n').length >= 3, 30_000);
      const moves = w.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        moves.map((m) => [m.alias, m.from?.version, m.to?.version]),
        [
          ['dev', '1.0.0', '1.1.0'],
          ['dev', '1.1.0', '1.2.0'],
        ],
      );
      assert.deepEqual(Object.keys(moves[0]).sort(), [
        'alias',
        'component',
        'descriptorDigest',
        'from',
        'resolution',
        'time',
        'to',
      ]);
      // Where the alias resolves now, as get cv -o json says it.
      assert.deepEqual(moves[1].resolution, { requested: 'dev', kind: 'alias', ...moves[1].to });
      assert.equal(moves[1].descriptorDigest.normalisationAlgorithm, 'jsonNormalisation/v3');
      assert.notEqual(moves[1].descriptorDigest.value, moves[0].descriptorDigest.value);
      w.child.kill('SIGINT');
      assert.equal(await w.exit, 0);
    } finally {
      w.child.kill('SIGKILL');
      await fwd.stop();
      await close();
    }
  });

  it('on a CTF: the move made by another process is seen without waiting for the interval', async () => {
    const ctf = join(dir.path, 'ctf');
    const { repository, close } = await openRepository(ctf, { create: true });
    for (const v of ['1.0.0', '2.0.0']) await repository.addComponentVersion(descriptor(v));
    await repository.addComponentVersionAlias(C, '1.0.0', 'staging');
    await close();
    const w = watch(
      [
        'get',
        'cv',
        `${ctf}//${C}:staging`,
        '--watch',
        '--interval',
        '1h',
        '--exec',
        'echo "ran $OCM_VERSION"; exit 3',
      ],
      dir.path,
    );
    try {
      await until('the watch to start', () => w.stderr.includes('watching'));
      assert.match(w.stderr, /through file-system notification/);
      const writer = await openRepository(ctf);
      await writer.repository.addComponentVersionAlias(C, '2.0.0', 'staging');
      await until('the move', () => w.stdout.includes('1.0.0 -> 2.0.0'), 10_000);
      await until('the failing --exec', () => /--exec ended with exit code 3/.test(w.stderr), 10_000);
      assert.match(w.stdout, /ran 2\.0\.0/);
      // A failing command does not end the watch.
      await writer.repository.removeComponentVersionAlias(C, 'staging');
      await writer.close();
      await until('the removal', () => w.stdout.includes('2.0.0 -> (removed)'), 10_000);
      w.child.kill('SIGTERM');
      assert.equal(await w.exit, 0);
    } finally {
      w.child.kill('SIGKILL');
    }
  });

  it('refuses a version, and --exec without --watch', async () => {
    const w = watch(['get', 'cv', `./x//${C}:1.0.0`, '--watch'], dir.path);
    assert.equal(await w.exit, 2);
    assert.match(w.stderr, /--watch needs an alias/);
    const e = watch(['get', 'cv', `./x//${C}:prod`, '--exec', 'true'], dir.path);
    assert.equal(await e.exit, 2);
    assert.match(e.stderr, /go with --watch/);
  });
});
