/**
 * Signed moves (docs/history.md): `--key` signs each history event; `ocm get history` says who
 * signed it against the stages document's trust and `--public-key`. Checked on a CTF and on the real
 * registry, for every key type, and independently with openssl over the DSSE pre-authentication
 * encoding.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pae } from '../../src/attestation/index.js';
import { CtfStore } from '../../src/ctf/store.js';
import type { StoreProvider } from '../../src/oci/content/storage.js';
import { OcmRepository } from '../../src/repository/index.js';
import { EVENT_PAYLOAD_TYPE, signedBody, verifyEvent } from '../../src/stages/history/signed.js';
import { getAliasHistory, type HistoryEvent, HistoryJournal } from '../../src/stages/index.js';
import { ocm } from '../support/cli.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { sharedRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

const registry = sharedRegistry('anonymous');
after(() => registry.stop());

const pairs = {
  'ecdsa-p256': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ed25519: generateKeyPairSync('ed25519'),
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
const mallory = generateKeyPairSync('ec', { namedCurve: 'P-256' });

async function backends(): Promise<{ name: string; provider: StoreProvider; close: () => Promise<void> }[]> {
  const dir = await tempDir();
  const ctf = await CtfStore.open(join(dir.path, 'ctf'), { create: true });
  const reg = (await registry.get()).open();
  return [
    {
      name: 'CTF',
      provider: ctf,
      close: async () => {
        await ctf.close();
        await dir.remove();
      },
    },
    { name: 'registry', provider: reg, close: () => reg.close() },
  ];
}

let counter = 0;

describe('signed moves', () => {
  it('every key type signs the event; the signer is named, a foreign key is unknown, an edit is a bad signature', async () => {
    for (const b of await backends()) {
      try {
        const repo = new OcmRepository(b.provider, {
          prefix: `signed${process.pid}x${++counter}`,
          journal: new HistoryJournal({ actor: 'ci', foldEvery: 1 }),
        });
        for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
        for (const [type, pair] of Object.entries(pairs)) {
          await repo.addComponentVersionAlias(C, type === 'rsa' ? '1.1.0' : '1.0.0', type, {
            signingKey: pair.privateKey,
          });
        }
        await repo.addComponentVersionAlias(C, '1.0.0', 'unsigned');
        const events = (await getAliasHistory(repo, C, { reconcile: false })) as HistoryEvent[];
        const trusted = Object.entries(pairs).map(([name, p]) => ({ name, key: p.publicKey }));
        for (const e of events) {
          const expected = e.alias === 'unsigned' ? '-' : e.alias!;
          assert.equal(verifyEvent(e, trusted), expected, `${b.name}: ${e.alias}`);
          if (e.signature) {
            assert.equal(verifyEvent(e, [{ name: 'mallory', key: mallory.publicKey }]), 'unknown key');
            const edited = { ...e, message: 'moved by someone else' };
            assert.equal(verifyEvent(edited, trusted), 'bad signature', `${b.name}: edited ${e.alias}`);
          }
        }
        assert.equal(events.filter((e) => e.signature).length, 3);
      } finally {
        await b.close();
      }
    }
  });

  it('openssl verifies the stored signatures over the DSSE pre-authentication encoding', async () => {
    const dir = await tempDir();
    const ctf = await CtfStore.open(join(dir.path, 'ctf'), { create: true });
    try {
      const repo = new OcmRepository(ctf, { journal: new HistoryJournal({ actor: 'ci' }) });
      await repo.addComponentVersion(descriptor('1.0.0'));
      for (const [type, pair] of Object.entries(pairs))
        await repo.addComponentVersionAlias(C, '1.0.0', type, { signingKey: pair.privateKey });
      const events = (await getAliasHistory(repo, C, { reconcile: false })) as HistoryEvent[];
      for (const e of events) {
        const pair = pairs[e.alias as keyof typeof pairs];
        const files = {
          pub: join(dir.path, `${e.alias}.pub`),
          msg: join(dir.path, `${e.alias}.pae`),
          sig: join(dir.path, `${e.alias}.sig`),
        };
        await writeFile(files.pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
        await writeFile(files.msg, pae(EVENT_PAYLOAD_TYPE, signedBody(e)));
        await writeFile(files.sig, Buffer.from(e.signature!.sig, 'base64'));
        const args =
          e.alias === 'ed25519'
            ? [
                'pkeyutl',
                '-verify',
                '-pubin',
                '-inkey',
                files.pub,
                '-rawin',
                '-in',
                files.msg,
                '-sigfile',
                files.sig,
              ]
            : ['dgst', '-sha256', '-verify', files.pub, '-signature', files.sig, files.msg];
        const out = execFileSync('openssl', args, { encoding: 'utf8' });
        assert.match(out, /Verified OK|Signature Verified Successfully/, `${e.alias}: ${out}`);
      }
      assert.equal(events.length, 3);
    } finally {
      await ctf.close();
      await dir.remove();
    }
  });

  it('the CLI: tag --key, untag with OCM_SIGNING_KEY, get history shows VERIFIED; a private key readable by others is warned about', async () => {
    const dir = await tempDir();
    try {
      const repoRef = join(dir.path, 'ctf');
      const write = async (name: string, key: KeyObject, type: 'pkcs8' | 'spki', mode: number) => {
        const path = join(dir.path, name);
        await writeFile(path, key.export({ type, format: 'pem' }) as string);
        await chmod(path, mode);
        return path;
      };
      const alice = await write('alice.pem', pairs['ecdsa-p256'].privateKey, 'pkcs8', 0o600);
      const alicePub = await write('alice.pub', pairs['ecdsa-p256'].publicKey, 'spki', 0o644);
      const loose = await write('loose.pem', pairs.ed25519.privateKey, 'pkcs8', 0o644);
      const env = { OCM_ACTOR: 'runner' };
      const store = await CtfStore.open(repoRef, { create: true });
      await new OcmRepository(store, {}).addComponentVersion(descriptor('1.0.0'));
      await store.close();
      const tag = await ocm(['tag', 'cv', `${repoRef}//${C}:1.0.0`, 'dev', '--key', alice], {
        cwd: dir.path,
        env,
      });
      assert.equal(tag.code, 0, tag.stderr);
      const other = await ocm(['tag', 'cv', `${repoRef}//${C}:1.0.0`, 'qa', '--key', loose], {
        cwd: dir.path,
        env,
      });
      assert.equal(other.code, 0, other.stderr);
      assert.match(other.stderr, /loose\.pem/, 'a key file readable by others is warned about');
      assert.doesNotMatch(other.stderr + other.stdout, /PRIVATE KEY/);
      const untag = await ocm(['untag', 'cv', `${repoRef}//${C}:qa`], {
        cwd: dir.path,
        env: { ...env, OCM_SIGNING_KEY: alice },
      });
      assert.equal(untag.code, 0, untag.stderr);
      const h = await ocm(['get', 'history', `${repoRef}//${C}`, '--public-key', `alice=${alicePub}`], {
        cwd: dir.path,
        env,
      });
      assert.equal(h.code, 0, h.stderr);
      const rows = h.stdout.trim().split('\n');
      assert.match(rows[0]!, /VERIFIED/);
      // BY is the declared actor (runner); VERIFIED is who signed.
      assert.match(rows[1]!, /qa .*untag +runner +alice /, 'untag signed by alice');
      assert.match(rows[2]!, /qa .*tag +runner +unknown key /, 'tag signed by a key nobody trusts');
      assert.match(rows[3]!, /dev .*tag +runner +alice /);
      const j = await ocm(['get', 'history', `${repoRef}//${C}`, '-o', 'json'], { cwd: dir.path, env });
      const parsed = JSON.parse(j.stdout) as { alias: string; verified: string; signature?: unknown }[];
      assert.deepEqual(
        parsed.map((e) => [e.alias, e.verified]),
        [
          ['qa', 'unknown key'],
          ['qa', 'unknown key'],
          ['dev', 'unknown key'],
        ],
        'without --public-key no key is trusted',
      );
    } finally {
      await dir.remove();
    }
  });
});
