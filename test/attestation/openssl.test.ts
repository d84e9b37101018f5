/**
 * Independent verification: envelopes as stored in a CTF are checked with openssl, a verifier we did
 * not write, for every key type. The PAE is built here from the DSSE spec, not with our `pae`; the
 * keyid is compared with the SHA-256 of the DER openssl exports.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openRepository } from '../../src/open.js';
import { approve, attest, listEvidence } from '../../src/stages/evidence/evidence.js';
import { COMPONENT, descriptor } from '../support/descriptors.js';
import { KEY_TYPES, testKey } from '../support/evidence-keys.js';
import { tempDir } from '../support/tmp.js';

const run = promisify(execFile);

/** `openssl ...`: exit code and output, never throwing. */
async function openssl(args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await run('openssl', args, { encoding: 'buffer' });
    return { ok: true, out: Buffer.concat([stdout, stderr]).toString('latin1') };
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    return {
      ok: false,
      out: Buffer.concat([e.stdout ?? Buffer.alloc(0), e.stderr ?? Buffer.alloc(0)]).toString('latin1'),
    };
  }
}

function specPae(type: string, body: Buffer): Buffer {
  const t = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${body.length} `), body]);
}

describe('stored envelopes verify with openssl', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  for (const type of KEY_TYPES) {
    it(`${type}: the stored envelope verifies over the PAE; an edited payload does not`, async () => {
      const key = testKey(type);
      const { repository, close } = await openRepository(join(dir.path, type), { create: true });
      try {
        await repository.addComponentVersion(descriptor('1.0.0'));
        await attest(
          repository,
          COMPONENT,
          '1.0.0',
          { check: 'e2e', result: 'passed' },
          { key: key.privatePem },
        );
        await approve(repository, COMPONENT, '1.0.0', { stage: 'prod' }, { key: key.privatePem });
        const { items } = await listEvidence(repository, COMPONENT, '1.0.0');
        assert.equal(items.length, 2);
        const pub = join(dir.path, `${type}.pub`);
        await writeFile(pub, key.publicPem);
        const der = await run('openssl', ['pkey', '-pubin', '-in', pub, '-outform', 'DER'], {
          encoding: 'buffer',
        });
        const keyid = createHash('sha256').update(der.stdout).digest('hex');
        for (const [n, item] of items.entries()) {
          const stored = JSON.parse(Buffer.from(item.bytes!).toString('utf8'));
          assert.equal(stored.signatures[0].keyid, keyid);
          const body = Buffer.from(stored.payload, 'base64');
          const sig = join(dir.path, `${type}-${n}.sig`);
          await writeFile(sig, Buffer.from(stored.signatures[0].sig, 'base64'));
          const verify = async (bytes: Buffer) => {
            const file = join(dir.path, `${type}-${n}.pae`);
            await writeFile(file, bytes);
            return type === 'ed25519'
              ? openssl([
                  'pkeyutl',
                  '-verify',
                  '-pubin',
                  '-inkey',
                  pub,
                  '-rawin',
                  '-in',
                  file,
                  '-sigfile',
                  sig,
                ])
              : openssl(['dgst', '-sha256', '-verify', pub, '-signature', sig, file]);
          };
          const good = await verify(specPae(stored.payloadType, body));
          assert.ok(good.ok && /Verified OK|Signature Verified Successfully/.test(good.out), good.out);
          const edited = Buffer.from(body.toString('utf8').replace(':1.0.0"', ':1.0.1"'));
          assert.notDeepEqual(edited, body);
          const bad = await verify(specPae(stored.payloadType, edited));
          assert.ok(!bad.ok, bad.out);
        }
      } finally {
        await close();
      }
    });
  }
});
