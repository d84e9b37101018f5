/**
 * `ocm board` from the built binary (dist/bin/main.js with dist/board/assets, made by the test
 * command's build step): the URL it prints, the token only with --write, the warning for a
 * non-loopback --host, a clean end on SIGTERM, and a stage in a CTF that a stages document names
 * relative to the working directory.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { BUILD_TIMEOUT_MS, binary, builtBinary } from '../support/built.js';
import { descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

const C = 'example.com/shop/checkout';
/** Its prod lives in `./handover`, a CTF beside the archive. */
const PAY = 'example.com/shop/pay';
let dir: { path: string; remove: () => Promise<void> };
let ctf: string;

// The built binary, rebuilt first when src/ is newer.
before(() => builtBinary(), { timeout: BUILD_TIMEOUT_MS });
before(async () => {
  dir = await tempDir();
  ctf = join(dir.path, 'transport-archive');
  const { repository, close } = await openRepository(ctf, { create: true });
  await repository.addComponentVersion(descriptor('1.0.0'));
  await repository.addComponentVersionAlias(C, '1.0.0', 'prod');
  await repository.addComponentVersion(descriptor('2.0.0', { name: PAY }));
  await repository.addComponentVersionAlias(PAY, '2.0.0', 'dev');
  await setStagePolicy(
    repository,
    PAY,
    'stages:\n  - name: dev\n  - name: prod\n    from: dev\n    repository: ./handover\n',
  );
  await close();
  const handover = await openRepository(join(dir.path, 'handover'), { create: true });
  await handover.repository.addComponentVersion(descriptor('1.0.0', { name: PAY }));
  await handover.repository.addComponentVersionAlias(PAY, '1.0.0', 'prod');
  await handover.close();
});
after(() => dir?.remove());

function board(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [binary, 'board', ctf, ...args], {
    cwd: dir.path,
    env: { PATH: process.env.PATH ?? '', HOME: dir.path },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out.stderr}`)), 20_000);
    child.stdout!.on('data', () => {
      const m = /board: (\S+)/.exec(out.stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { child, out, exit, url };
}

/** Status of GET /api/board sent with the given Host header. */
function rawHost(port: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: Number(port), path: '/api/board', headers: { host } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('ocm board (built binary)', () => {
  it('serves the board on loopback, prints the URL without a token, and ends on SIGTERM', async () => {
    const b = board([]);
    try {
      const url = await b.url;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await fetch(`${url}api/board`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        components: {
          name: string;
          stages: Record<string, { version: string; repository?: string; lagsBehind: string | null }>;
        }[];
      };
      const row = (n: string) => body.components.find((c) => c.name === n)!;
      assert.equal(row(C).stages.prod!.version, '1.0.0');
      // A stage elsewhere, in a CTF named relative to the working directory, read there.
      assert.deepEqual(row(PAY).stages.prod, {
        ...row(PAY).stages.prod,
        version: '1.0.0',
        repository: './handover',
      });
      assert.equal(row(PAY).stages.prod!.lagsBehind, 'dev');
      const page = await fetch(url);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      const script = await fetch(`${url}assets/board.js`);
      assert.equal(script.status, 200);
      b.child.kill('SIGTERM');
      assert.equal(await b.exit, 0);
    } finally {
      b.child.kill('SIGKILL');
    }
  });

  it('--write prints a URL with the token; --host beyond loopback warns', async () => {
    const b = board(['--write', '--host', '0.0.0.0']);
    try {
      const url = await b.url;
      assert.match(url, /^http:\/\/0\.0\.0\.0:\d+\/#token=[A-Za-z0-9_-]{20,}$/);
      assert.match(b.out.stderr, /warning: the board listens on 0\.0\.0\.0/);
      const port = new URL(url).port;
      const byAddress = await fetch(`http://127.0.0.1:${port}/api/board`);
      assert.equal(byAddress.status, 200, 'reached by an IP address');
      const rebound = await rawHost(port, `attacker.example:${port}`);
      assert.equal(rebound, 403, 'a Host of another name is refused (DNS rebinding)');
      b.child.kill('SIGINT');
      assert.equal(await b.exit, 0);
    } finally {
      b.child.kill('SIGKILL');
    }
  });
});
