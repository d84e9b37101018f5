import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  EvidenceKeyError,
  encodeEnvelope,
  envelopePayload,
  InvalidEnvelopeError,
  keyFileModeWarning,
  keyId,
  loadSigningKey,
  loadVerifyingKey,
  pae,
  parseEnvelope,
  signEnvelope,
  verifyEnvelope,
} from '../../src/attestation/index.js';
import { KEY_TYPES, testKey } from '../support/evidence-keys.js';

const TYPE = 'application/vnd.in-toto+json';
const body = Buffer.from('{"hello":"world"}');

describe('DSSE', () => {
  it('encodes the PAE as the spec test vector says', () => {
    assert.equal(
      Buffer.from(pae('http://example.com/HelloWorld', Buffer.from('hello world'))).toString(),
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    // Lengths are byte lengths, not character counts.
    assert.equal(Buffer.from(pae('é', Buffer.from('ü'))).toString(), 'DSSEv1 2 é 2 ü');
  });

  for (const type of KEY_TYPES) {
    it(`signs and verifies with ${type}; an edited payload is a bad signature`, () => {
      const k = testKey(type);
      const env = signEnvelope(TYPE, body, loadSigningKey(k.privatePem));
      assert.equal(
        env.signatures[0]!.keyid,
        createHash('sha256')
          .update(k.publicKey.export({ type: 'spki', format: 'der' }))
          .digest('hex'),
      );
      const trusted = [{ name: 'ci', key: loadVerifyingKey(k.publicPem) }];
      assert.deepEqual(verifyEnvelope(parseEnvelope(encodeEnvelope(env)), trusted), {
        status: 'verified',
        signer: 'ci',
        keyid: env.signatures[0]!.keyid,
      });
      const forged = { ...env, payload: Buffer.from('{"hello":"mars!"}').toString('base64') };
      assert.equal(verifyEnvelope(forged, trusted).status, 'bad signature');
      // The payload type is authenticated too.
      assert.equal(
        verifyEnvelope({ ...env, payloadType: 'application/json' }, trusted).status,
        'bad signature',
      );
      const other = testKey(type);
      assert.equal(verifyEnvelope(env, [{ name: 'x', key: other.publicKey }]).status, 'unknown key');
    });
  }

  it('never trusts the keyid: a signature under a wrong keyid still verifies with the key that made it', () => {
    const k = testKey('ed25519');
    const env = signEnvelope(TYPE, body, k.privateKey);
    const relabelled = { ...env, signatures: [{ keyid: 'f'.repeat(64), sig: env.signatures[0]!.sig }] };
    assert.equal(verifyEnvelope(relabelled, [{ name: 'a', key: k.publicKey }]).status, 'verified');
    assert.equal(
      verifyEnvelope({ ...env, signatures: [] }, [{ name: 'a', key: k.publicKey }]).status,
      'unsigned',
    );
  });

  it('accepts URL-safe base64 and refuses what is not base64 or not an envelope', () => {
    const k = testKey('ecdsa-p256');
    const env = signEnvelope(TYPE, Buffer.from([0xfb, 0xff, 0xfe]), k.privateKey);
    const urlSafe = { ...env, payload: env.payload.replace(/\+/g, '-').replace(/\//g, '_') };
    assert.notEqual(urlSafe.payload, env.payload);
    assert.deepEqual(Buffer.from(envelopePayload(urlSafe)), Buffer.from([0xfb, 0xff, 0xfe]));
    assert.equal(verifyEnvelope(urlSafe, [{ name: 'a', key: k.publicKey }]).status, 'verified');
    for (const bad of [
      'nope',
      '[]',
      '{"payloadType":"x","signatures":[]}',
      '{"payloadType":"x","payload":"a$b","signatures":[]}',
      '{"payloadType":"x","payload":"","signatures":[{"keyid":"k"}]}',
      '{"payloadType":1,"payload":"","signatures":[]}',
    ]) {
      assert.throws(() => parseEnvelope(bad), InvalidEnvelopeError, bad);
    }
    // Unknown members are ignored; an absent keyid reads as empty.
    assert.deepEqual(parseEnvelope('{"payloadType":"x","payload":"","signatures":[{"sig":""}],"extra":1}'), {
      payloadType: 'x',
      payload: '',
      signatures: [{ keyid: '', sig: '' }],
    });
  });
});

describe('evidence keys', () => {
  it('refuses keys evidence does not use, without quoting them', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    assert.throws(() => loadSigningKey(p384.privateKey), /P-256/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(() => loadSigningKey(small.privateKey), /2048/);
    const k = testKey('rsa');
    assert.throws(() => loadSigningKey(k.publicPem), /a private key is needed/);
    const garbage = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n';
    assert.throws(
      () => loadSigningKey(garbage),
      (err: unknown) => err instanceof EvidenceKeyError && !err.message.includes('c2VjcmV0'),
    );
    // keyid of a private key is that of its public half.
    assert.equal(keyId(k.privateKey), keyId(loadVerifyingKey(k.publicPem)));
  });

  it('warns about a private key file that others can read', () => {
    assert.equal(keyFileModeWarning('k.pem', 0o100600), undefined);
    assert.match(keyFileModeWarning('k.pem', 0o100640) ?? '', /k\.pem .*mode 640/);
    assert.match(keyFileModeWarning('k.pem', 0o100604) ?? '', /mode 604/);
  });
});
