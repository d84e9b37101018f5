/**
 * `ocm attest cv`, `ocm approve cv`, `ocm get evidence` and the evidence gates of `ocm promote`, in
 * process, on a CTF: exit codes (0, 2 usage, 3 refused), the refusal naming what is missing, the
 * table and the JSON carrying each envelope exactly as stored, the private key warning, and no
 * private key in any output.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { listEvidence } from '../../src/stages/evidence/evidence.js';
import { ocm } from '../support/cli.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { evidenceStagesDocument, testKey } from '../support/evidence-keys.js';
import { tempDir } from '../support/tmp.js';

const keys = {
  ci: testKey('ecdsa-p256'),
  alice: testKey('ed25519'),
  bob: testKey('rsa'),
  carol: testKey('ecdsa-p256'),
  mallory: testKey('ed25519'),
};

describe('ocm attest / approve / get evidence / promote with evidence gates (CTF)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let ctf: string;
  const run = (args: string[]) => ocm(args, { cwd: dir.path, env: { OCM_ACTOR: 'test' } });
  const secrets = () => Object.values(keys).map((k) => k.privatePem.split('\n')[1]!);
  const noSecret = (r: { stdout: string; stderr: string }) => {
    for (const s of secrets()) assert.ok(!(r.stdout + r.stderr).includes(s), 'a private key was printed');
  };

  before(async () => {
    dir = await tempDir();
    ctf = join(dir.path, 'ctf');
    const { repository, close } = await openRepository(ctf, { create: true });
    for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v));
    await close();
    for (const [name, k] of Object.entries(keys)) {
      await writeFile(join(dir.path, `${name}.pem`), k.privatePem, { mode: 0o600 });
      await writeFile(join(dir.path, `${name}.pub`), k.publicPem);
    }
    await chmod(join(dir.path, 'alice.pem'), 0o644);
    await writeFile(
      join(dir.path, 'stages.yaml'),
      evidenceStagesDocument({
        ci: keys.ci.publicPem,
        alice: keys.alice.publicPem,
        bob: keys.bob.publicPem,
        carol: keys.carol.publicPem,
      }),
    );
  });
  after(() => dir.remove());

  it('the story: attest, refused for a missing approval (exit 3, naming it), approve, promote', async () => {
    const ref = `${ctf}//${C}`;
    assert.equal((await run(['set', 'stages', ref, '--file', 'stages.yaml'])).code, 0);
    assert.equal((await run(['tag', 'cv', `${ref}:1.1.0`, 'dev'])).code, 0);
    assert.equal((await run(['promote', 'cv', ref, '--to', 'staging'])).code, 0);

    const attested = await run([
      'attest',
      'cv',
      `${ref}:staging`,
      '--check',
      'e2e',
      '--result',
      'passed',
      '--stage',
      'staging',
      '--url',
      'https://ci.example/run/1',
      '--passed',
      'checkout',
      '--passed',
      'refund',
      '--key',
      'ci.pem',
    ]);
    assert.equal(attested.code, 0, attested.stderr);
    assert.match(
      attested.stdout,
      /^attested e2e passed on example\.com\/shop\/checkout:1\.1\.0 \(sha256:[0-9a-f]{64}\): envelope sha256:[0-9a-f]{64}\n$/,
    );
    assert.equal(attested.stderr, '');
    noSecret(attested);

    const alice = await run([
      'approve',
      'cv',
      `${ref}:1.1.0`,
      '--stage',
      'prod',
      '--key',
      'alice.pem',
      '-m',
      'ok',
    ]);
    assert.equal(alice.code, 0, alice.stderr);
    assert.match(alice.stderr, /warning: private key alice\.pem is accessible by others \(mode 644\)/);
    noSecret(alice);

    const refused = await run(['promote', 'cv', ref, '--to', 'prod']);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(
      refused.stdout,
      /checks \(e2e\)\s+pass\s+e2e PASSED at .* \(signed by ci\) https:\/\/ci\.example\/run\/1/,
    );
    assert.match(
      refused.stdout,
      /approvals\s+refused\s+1\/2 approvals \(alice\): 1 more needed from bob, carol/,
    );
    assert.match(refused.stderr, /approvals: 1\/2 approvals/);

    assert.equal(
      (await run(['approve', 'cv', `${ref}:1.1.0`, '--stage', 'prod', '--key', 'bob.pem'])).code,
      0,
    );
    const moved = await run(['promote', 'cv', ref, '--to', 'prod', '-o', 'json']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(JSON.parse(moved.stdout).evidence.length, 3);
  });

  it('get evidence: the table, and JSON carrying each envelope exactly as stored', async () => {
    const ref = `${ctf}//${C}:prod`;
    assert.equal(
      (await run(['attest', 'cv', ref, '--check', 'e2e', '--result', 'passed', '--key', 'mallory.pem'])).code,
      0,
    );
    await writeFile(join(dir.path, 'scan.json'), '{"critical":0,"high":2}');
    const other = await run([
      'attest',
      'cv',
      ref,
      '--predicate-type',
      'https://example.com/scan/v1',
      '--predicate',
      'scan.json',
      '--key',
      'ci.pem',
    ]);
    assert.equal(other.code, 0, other.stderr);

    const table = await run(['get', 'evidence', ref]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^TYPE\s+NAME\/STAGE\s+RESULT\s+SIGNER\s+VERIFIED\s+TIME$/);
    assert.equal(lines.length, 6);
    assert.ok(
      lines.some((l) => /^check\s+e2e \(staging\)\s+PASSED\s+ci\s+verified\s+20/.test(l)),
      table.stdout,
    );
    assert.ok(
      lines.some((l) => /^approval\s+prod\s+approved\s+alice\s+verified/.test(l)),
      table.stdout,
    );
    assert.ok(
      lines.some((l) => /^https:\/\/example\.com\/scan\/v1\s+-\s+-\s+ci\s+verified/.test(l)),
      table.stdout,
    );
    assert.ok(
      lines.some((l) => /^check\s+e2e\s+PASSED\s+keyid [0-9a-f]{12}…\s+unknown key/.test(l)),
      table.stdout,
    );

    // A key given by name verifies what trust does not know.
    const named = await run(['get', 'evidence', ref, '--public-key', 'mallory=mallory.pub', '-o', 'json']);
    assert.equal(named.code, 0, named.stderr);
    const out = JSON.parse(named.stdout);
    assert.equal(out.subject.version, '1.1.0');
    assert.ok(out.items.some((i: { signer: string }) => i.signer === 'mallory'));
    const { repository, close } = await openRepository(ctf, { readOnly: true });
    try {
      const { items } = await listEvidence(repository, C, '1.1.0');
      const stored = new Map(items.map((i) => [i.digest, JSON.parse(Buffer.from(i.bytes!).toString())]));
      for (const item of out.items) assert.deepEqual(item.envelope, stored.get(item.digest));
    } finally {
      await close();
    }
    // transfer --evidence carries every envelope; the far copy lists the same digests.
    const moved = await run(['transfer', 'cv', `${ctf}//${C}:1.1.0`, join(dir.path, 'far'), '--evidence']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /1\.1\.0 copied \(.*, 5 evidence\)/);
    const far = await run(['get', 'evidence', `${join(dir.path, 'far')}//${C}:1.1.0`, '-o', 'json']);
    assert.deepEqual(
      JSON.parse(far.stdout)
        .items.map((i: { digest: string }) => i.digest)
        .sort(),
      out.items.map((i: { digest: string }) => i.digest).sort(),
    );
    // Evidence tags are not versions: the listing of versions is unchanged.
    const versions = await run(['get', 'cv', `${ctf}//${C}`, '-o', 'json']);
    assert.ok(!versions.stdout.includes('_ocm'), versions.stdout);
  });

  it('usage errors exit 2; a public key given as --key is refused without printing it', async () => {
    const ref = `${ctf}//${C}:1.1.0`;
    for (const args of [
      ['attest', 'cv', ref, '--check', 'e2e', '--result', 'passed'],
      ['attest', 'cv', ref, '--check', 'e2e', '--result', 'maybe', '--key', 'ci.pem'],
      ['attest', 'cv', ref, '--check', 'e2e', '--predicate-type', 'https://x/y', '--key', 'ci.pem'],
      ['approve', 'cv', ref, '--key', 'ci.pem'],
      ['get', 'evidence', `${ctf}//${C}`],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
    const pub = await run(['approve', 'cv', ref, '--stage', 'prod', '--key', 'ci.pub']);
    assert.equal(pub.code, 1);
    assert.match(pub.stderr, /a private key is needed, got a public key/);
    assert.ok(!pub.stderr.includes((await readFile(join(dir.path, 'ci.pub'), 'utf8')).split('\n')[1]!));
  });
});
