/**
 * End to end: stages and promotion with the built `ocm` binary (dist/bin/main.js, made by the test
 * command's build step), on a CTF and on a real Distribution registry. Exit codes as DESIGN 5 says:
 * 0 done, 1 failure, 2 usage error, 3 a gate refused. The gates' clock is moved with OCM_NOW; the
 * history stamps events with the real time, so OCM_NOW is set relative to now.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { getAliasHistory } from '../../src/stages/history/index.js';
import { BUILD_TIMEOUT_MS, binary, builtBinary } from '../support/built.js';
import { descriptor } from '../support/descriptors.js';
import { sharedRegistry } from '../support/registry.js';
import { runNode } from '../support/spawn.js';
import { stagesDocument } from '../support/stages.js';
import { tempDir } from '../support/tmp.js';

const C = 'example.com/shop/checkout';
const hour = 3_600_000;
const later = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

let dir: { path: string; remove: () => Promise<void> };

function ocm(args: string[], env: Record<string, string> = {}) {
  return runNode([binary, ...args], {
    cwd: dir.path,
    env: { PATH: process.env.PATH ?? '', HOME: dir.path, OCM_CACHE_DIR: join(dir.path, 'cache'), ...env },
  });
}

// The built binary, rebuilt first when src/ is newer.
before(() => builtBinary(), { timeout: BUILD_TIMEOUT_MS });
before(async () => {
  dir = await tempDir();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir.path, 'release.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await writeFile(join(dir.path, 'release.pub'), pub);
  await writeFile(join(dir.path, 'stages.yaml'), stagesDocument({ freeze: false }));
  await writeFile(
    join(dir.path, 'cycle.yaml'),
    'stages:\n  - name: staging\n    from: prod\n  - name: prod\n    from: staging\n',
  );
});
after(() => dir?.remove());

async function story(repositoryRef: string): Promise<void> {
  const { repository, close } = await openRepository(
    repositoryRef.startsWith('.') ? join(dir.path, repositoryRef) : repositoryRef,
    { create: true },
  );
  for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v));
  await close();
  const ref = `${repositoryRef}//${C}`;

  let r = await ocm(['set', 'stages', ref, '--file', 'stages.yaml', '-m', 'release rules']);
  assert.equal(r.code, 0, r.stderr);
  r = await ocm(['set', 'stages', ref, '--file', 'cycle.yaml']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /^Error: invalid stages document \(1 problem\): stages\[0\]\.from: the from chain is a cycle/,
  );
  r = await ocm(['get', 'stages', ref, '-o', 'yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, await readFile(join(dir.path, 'stages.yaml'), 'utf8'));

  assert.equal((await ocm(['tag', 'cv', `${ref}:1.0.0`, 'dev'])).code, 0);
  r = await ocm(['tag', 'cv', `${ref}:1.0.0`, 'staging']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /Hint: promote it through its gates: ocm promote cv/);
  r = await ocm(['promote', 'cv', ref, '--to', 'staging', '-m', 'qa starts']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^GATE\s+RESULT\s+DETAIL\nfrom\s+pass\s+dev holds 1\.0\.0\n/m);

  // An hour later: the soak refuses, saying how long is left; the signature is missing.
  r = await ocm(['promote', 'cv', ref, '--to', 'prod', '--public-key', 'release=release.pub'], {
    OCM_NOW: later(hour),
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stdout,
    /^soak\s+refused\s+in staging for (59m|1h) of 24h: (23h(\d+m)?(\d+s)?|22h59m\d+s) left/m,
  );
  assert.match(r.stdout, /^signatures \(release\)\s+refused\s+release: no signature "release"/m);
  assert.match(r.stderr, /^gates evaluated at OCM_NOW=\S+, not at the current time$/m);
  assert.match(r.stderr, /^Error: example\.com\/shop\/checkout: promotion to prod refused \(soak: /m);

  r = await ocm(['promote', 'cv', ref]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--to STAGE is required/);
  r = await ocm(['promote', 'cv', ref, '--to', 'qa']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /names no stage qa \(stages: dev, staging, prod\)/);

  assert.equal(
    (await ocm(['sign', 'cv', `${ref}:1.0.0`, '--signature', 'release', '--private-key', 'release.pem']))
      .code,
    0,
  );
  const tomorrow = later(25 * hour);
  r = await ocm(
    ['promote', 'cv', ref, '--to', 'prod', '--public-key', 'release=release.pub', '--dry-run', '-o', 'json'],
    {
      OCM_NOW: tomorrow,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.status, 'ready');
  assert.equal(plan.result, 'planned');
  assert.deepEqual(
    plan.gates.map((g: { gate: string; result: string }) => `${g.gate}:${g.result}`),
    ['from:pass', 'soak:pass', 'signatures:pass', 'forwardOnly:pass'],
  );
  // Without the key the document does not carry, the signature gate refuses.
  r = await ocm(['promote', 'cv', ref, '--to', 'prod'], { OCM_NOW: tomorrow });
  assert.equal(r.code, 3);
  assert.match(r.stdout, /no public key in the document; pass --public-key release=FILE/);
  r = await ocm(
    [
      'promote',
      'cv',
      ref,
      '--to',
      'prod',
      '--public-key',
      'release=release.pub',
      '-m',
      'first release',
      '--by',
      'alice',
    ],
    { OCM_NOW: tomorrow },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /promoted example\.com\/shop\/checkout:prod -> 1\.0\.0 sha256:/);

  // A plain tag onto prod: refused; forced: moved, and the history says so.
  r = await ocm(['tag', 'cv', `${ref}:1.1.0`, 'prod']);
  assert.equal(r.code, 3);
  r = await ocm(['tag', 'cv', `${ref}:1.1.0`, 'prod', '--force']);
  assert.equal(r.code, 0, r.stderr);
  const opened = await openRepository(
    repositoryRef.startsWith('.') ? join(dir.path, repositoryRef) : repositoryRef,
  );
  try {
    const log = await getAliasHistory(opened.repository, C, { alias: 'prod' });
    assert.deepEqual(
      log.map((e) => [e.operation, e.to?.version]),
      [
        ['tag', '1.1.0'],
        ['promote', '1.0.0'],
      ],
    );
    assert.equal(log[1]!.actor, 'alice');
    assert.equal(log[1]!.message, 'first release');
    assert.deepEqual((log[0] as { details?: { forced?: boolean } }).details?.forced, true);
  } finally {
    await opened.close();
  }
}

describe('ocm set stages / promote with the built binary', () => {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());

  it('on a CTF: exit codes 0, 1, 2 and 3, the plan, a forced tag in the history', () => story('./ctf'));

  it('on a registry: the same', async () => {
    const reg = await registry.get();
    await story(`${reg.host}/promote-e2e`);
  });
});
