import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { InvalidDigestError } from '../../src/oci/errors.js';
import {
  RSASSA_PKCS1_V1_5,
  RSASSA_PSS,
  SignatureVerificationError,
  signDigest,
  signMessage,
  verifyDigest,
  verifyMessage,
} from '../../src/signing/index.js';

const message = new TextEncoder().encode('{"component":{"name":"acme.org/app","version":"1.0.0"}}');
const digestOf = (hash: 'SHA-256' | 'SHA-512') => ({
  hashAlgorithm: hash,
  value: createHash(hash === 'SHA-256' ? 'sha256' : 'sha512')
    .update(message)
    .digest('hex'),
});
// 2048 bits is the common case; 1025 bits makes the PSS encoding one byte shorter than the modulus,
// 1030 bits leaves unused top bits in the first byte (RFC 8017 emBits handling).
const keys = [2048, 1025, 1030].map((modulusLength) => ({
  modulusLength,
  ...generateKeyPairSync('rsa', { modulusLength }),
}));

describe('pre-hashed signing equals signing the hashed bytes', () => {
  for (const { modulusLength, privateKey, publicKey } of keys) {
    for (const hash of ['SHA-256', 'SHA-512'] as const) {
      it(`RSASSA-PSS, ${modulusLength} bits, ${hash}: both ways verify, with auto and with maximum salt`, () => {
        const ours = signDigest(digestOf(hash), privateKey);
        assert.equal(ours.algorithm, RSASSA_PSS);
        verifyMessage(message, ours, publicKey, { hash });
        const emLen = Math.ceil((modulusLength - 1) / 8);
        const hLen = hash === 'SHA-256' ? 32 : 64;
        const raw = Buffer.from(ours.value, 'hex');
        const nodeHash = hash === 'SHA-256' ? 'sha256' : 'sha512';
        const pss = { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING };
        assert.ok(verify(nodeHash, message, { ...pss, saltLength: emLen - hLen - 2 }, raw), 'maximum salt');
        assert.ok(!verify(nodeHash, message, { ...pss, saltLength: hLen }, raw), 'not hash-length salt');
        verifyDigest(digestOf(hash), signMessage(message, privateKey, { hash }), publicKey);
        const shortSalt = sign(nodeHash, message, {
          key: privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 0,
        });
        verifyDigest(digestOf(hash), { ...ours, value: shortSalt.toString('hex') }, publicKey);
      });

      it(`RSASSA-PKCS1-V1_5, ${modulusLength} bits, ${hash}: identical bytes to signMessage`, () => {
        const ours = signDigest(digestOf(hash), privateKey, { algorithm: RSASSA_PKCS1_V1_5 });
        assert.equal(
          ours.value,
          signMessage(message, privateKey, { hash, algorithm: RSASSA_PKCS1_V1_5 }).value,
        );
        verifyDigest(digestOf(hash), ours, publicKey);
      });
    }
  }

  it('PEM encoding works for pre-hashed signatures too', () => {
    const { privateKey, publicKey } = keys[0]!;
    const pem = signDigest(digestOf('SHA-256'), privateKey, { encoding: 'pem' });
    assert.equal(pem.mediaType, 'application/x-pem-file');
    verifyDigest(digestOf('SHA-256'), pem, publicKey);
    verifyMessage(message, pem, publicKey);
  });
});

describe('verifyDigest failures', () => {
  const { privateKey, publicKey } = keys[0]!;
  const other = keys[1]!;
  for (const algorithm of [RSASSA_PSS, RSASSA_PKCS1_V1_5]) {
    it(`${algorithm}: another digest, another key, a truncated or flipped signature fail`, () => {
      const digest = digestOf('SHA-256');
      const signature = signDigest(digest, privateKey, { algorithm });
      const otherDigest = {
        ...digest,
        value: `${digest.value.slice(0, -1)}${digest.value.endsWith('0') ? '1' : '0'}`,
      };
      const flipped = `${signature.value.slice(0, 10)}${signature.value[10] === 'a' ? 'b' : 'a'}${signature.value.slice(11)}`;
      const cases: [typeof digest, typeof signature, typeof publicKey][] = [
        [otherDigest, signature, publicKey],
        [digest, signature, other.publicKey],
        [digest, { ...signature, value: signature.value.slice(2) }, publicKey],
        [digest, { ...signature, value: flipped }, publicKey],
      ];
      for (const [d, s, k] of cases) {
        assert.throws(() => verifyDigest(d, s, k, { signatureName: 'n' }), SignatureVerificationError);
      }
    });
  }

  it('rejects digest values of the wrong length', () => {
    assert.throws(
      () => signDigest({ hashAlgorithm: 'SHA-256', value: 'abcd' }, privateKey),
      InvalidDigestError,
    );
    assert.throws(
      () =>
        verifyDigest(
          { hashAlgorithm: 'SHA-512', value: digestOf('SHA-256').value },
          signDigest(digestOf('SHA-256'), privateKey),
          publicKey,
        ),
      InvalidDigestError,
    );
  });
});

describe('the legacy ocm1 signature', () => {
  it('verifies against its stored digest alone', () => {
    const dir = new URL('../fixtures/signing/ocm1-rsa-pkcs1-v1/', import.meta.url);
    const cd = parse(readFileSync(new URL('component-archive/component-descriptor.yaml', dir), 'utf8'));
    const [entry] = cd.signatures;
    verifyDigest(entry.digest, entry.signature, readFileSync(new URL('rsa.pub', dir)));
    const rsaPriv = readFileSync(new URL('rsa.priv', dir), 'utf8');
    assert.equal(
      signDigest(entry.digest, rsaPriv, { algorithm: RSASSA_PKCS1_V1_5 }).value,
      entry.signature.value,
    );
  });
});
