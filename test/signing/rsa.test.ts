import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, privateEncrypt, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decodeSignature,
  InvalidKeyError,
  loadPrivateKey,
  loadPublicKey,
  MEDIA_TYPE_PEM,
  MEDIA_TYPE_RSA,
  MEDIA_TYPE_RSA_PSS,
  RSASSA_PKCS1_V1_5,
  RSASSA_PSS,
  SignatureVerificationError,
  signMessage,
  UnsupportedAlgorithmError,
  verifyMessage,
} from '../../src/signing/index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1Private = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const pkcs8Private = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const pkcs1Public = publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const spkiPublic = publicKey.export({ type: 'spki', format: 'pem' }) as string;
const message = new TextEncoder().encode('{"component":{"name":"acme.org/app"}}');

describe('keys', () => {
  it('loads PKCS#1 and PKCS#8 private keys and PKCS#1 and SPKI public keys, as text or bytes', () => {
    assert.match(pkcs1Private, /BEGIN RSA PRIVATE KEY/);
    assert.match(pkcs8Private, /BEGIN PRIVATE KEY/);
    assert.match(pkcs1Public, /BEGIN RSA PUBLIC KEY/);
    assert.match(spkiPublic, /BEGIN PUBLIC KEY/);
    for (const key of [pkcs1Private, pkcs8Private, Buffer.from(pkcs8Private)]) {
      assert.equal(loadPrivateKey(key).type, 'private');
    }
    const expected = spkiPublic;
    for (const key of [pkcs1Public, spkiPublic, new TextEncoder().encode(pkcs1Public), pkcs8Private]) {
      assert.equal(loadPublicKey(key).export({ type: 'spki', format: 'pem' }), expected);
    }
  });

  it('signatures made with any private form verify with any public form', () => {
    for (const priv of [pkcs1Private, pkcs8Private]) {
      const signature = signMessage(message, priv, { algorithm: RSASSA_PKCS1_V1_5 });
      for (const pub of [pkcs1Public, spkiPublic]) verifyMessage(message, signature, pub);
    }
  });

  it('rejects unreadable, non-RSA and wrong-kind keys with InvalidKeyError', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cases: [() => unknown, RegExp][] = [
      [() => loadPrivateKey('not a key'), /cannot read the private key/],
      [() => loadPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), /cannot read/],
      [
        () => loadPrivateKey(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        /RSA key is needed/,
      ],
      [() => loadPublicKey(ec.publicKey), /RSA key is needed/],
      [() => loadPrivateKey(publicKey), /private key is needed/],
    ];
    for (const [run, message] of cases) {
      assert.throws(
        run,
        (e: unknown) => e instanceof InvalidKeyError && e.code === 'INVALID_KEY' && message.test(e.message),
      );
    }
  });
});

describe('RSASSA-PSS', () => {
  it('is the default, hex-encoded with the PSS media type', () => {
    const signature = signMessage(message, privateKey);
    assert.equal(signature.algorithm, RSASSA_PSS);
    assert.equal(signature.mediaType, MEDIA_TYPE_RSA_PSS);
    assert.match(signature.value, /^[0-9a-f]{512}$/);
  });

  it('signs with the maximum salt length: verifies with auto and with explicit max salt, not with hash-length salt', () => {
    const raw = Buffer.from(signMessage(message, privateKey).value, 'hex');
    const maxSalt = 2048 / 8 - 32 - 2;
    const check = (saltLength: number) =>
      verify(
        'sha256',
        message,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
        raw,
      );
    assert.equal(check(constants.RSA_PSS_SALTLEN_AUTO), true);
    assert.equal(check(maxSalt), true);
    assert.equal(check(32), false);
  });

  it('verifies signatures with other salt lengths (Go verifies with auto salt length)', () => {
    const raw = sign('sha256', message, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    verifyMessage(
      message,
      { algorithm: RSASSA_PSS, mediaType: MEDIA_TYPE_RSA_PSS, value: raw.toString('hex') },
      publicKey,
    );
  });

  it('is randomised: two signatures differ and both verify', () => {
    const a = signMessage(message, privateKey);
    const b = signMessage(message, privateKey);
    assert.notEqual(a.value, b.value);
    verifyMessage(message, a, publicKey);
    verifyMessage(message, b, publicKey);
  });

  it('signs with SHA-512 when asked, and the verifier must use the same hash', () => {
    const signature = signMessage(message, privateKey, { hash: 'SHA-512' });
    verifyMessage(message, signature, publicKey, { hash: 'SHA-512' });
    assert.throws(() => verifyMessage(message, signature, publicKey), SignatureVerificationError);
  });
});

describe('RSASSA-PKCS1-V1_5', () => {
  it('is deterministic and equals a signature over the pre-computed digest', () => {
    const a = signMessage(message, privateKey, { algorithm: RSASSA_PKCS1_V1_5 });
    const b = signMessage(message, pkcs1Private, { algorithm: RSASSA_PKCS1_V1_5 });
    assert.equal(a.value, b.value);
    assert.equal(a.mediaType, MEDIA_TYPE_RSA);
    // signing the digest as a pre-hashed message: PKCS#1 type-1 padding over DigestInfo(SHA-256, digest)
    const digestInfo = Buffer.concat([
      Buffer.from('3031300d060960864801650304020105000420', 'hex'),
      createHash('sha256').update(message).digest(),
    ]);
    const prehashed = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
    assert.equal(a.value, prehashed.toString('hex'));
  });
});

describe('encodings', () => {
  for (const algorithm of [RSASSA_PSS, RSASSA_PKCS1_V1_5]) {
    it(`${algorithm}: PEM and hex carry the same signature bytes and both verify`, () => {
      const pem = signMessage(message, privateKey, { algorithm, encoding: 'pem' });
      assert.equal(pem.mediaType, MEDIA_TYPE_PEM);
      assert.match(
        pem.value,
        new RegExp(`^-----BEGIN SIGNATURE-----\\nSignature Algorithm: ${algorithm}\\n\\n`),
      );
      assert.match(pem.value, /\n-----END SIGNATURE-----\n$/);
      assert.ok(pem.value.split('\n').every((line) => line.length <= 64));
      verifyMessage(message, pem, publicKey);
      const raw = decodeSignature(pem);
      const hex = {
        algorithm,
        mediaType: algorithm === RSASSA_PSS ? MEDIA_TYPE_RSA_PSS : MEDIA_TYPE_RSA,
        value: raw.toString('hex'),
      };
      verifyMessage(message, hex, publicKey);
      assert.deepEqual(decodeSignature(hex), raw);
    });
  }

  it('a PEM header that names another algorithm is rejected', () => {
    const pem = signMessage(message, privateKey, { algorithm: RSASSA_PKCS1_V1_5, encoding: 'pem' });
    assert.throws(
      () => verifyMessage(message, { ...pem, algorithm: RSASSA_PSS }, publicKey),
      (e: unknown) => e instanceof SignatureVerificationError && /PEM header names/.test(e.message),
    );
  });

  it('accepts a PEM signature followed by a certificate block and CRLF line ends', () => {
    const pem = signMessage(message, privateKey, { encoding: 'pem' });
    const value = `${pem.value}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`.replaceAll(
      '\n',
      '\r\n',
    );
    verifyMessage(message, { ...pem, value }, publicKey);
  });

  it('rejects malformed values and unknown algorithms or media types with typed errors', () => {
    const good = signMessage(message, privateKey);
    assert.throws(
      () => verifyMessage(message, { ...good, value: 'xyz' }, publicKey),
      SignatureVerificationError,
    );
    assert.throws(
      () => verifyMessage(message, { ...good, value: 'abcd' }, publicKey),
      SignatureVerificationError,
    );
    assert.throws(
      () => verifyMessage(message, { ...good, mediaType: MEDIA_TYPE_PEM, value: 'nope' }, publicKey),
      SignatureVerificationError,
    );
    assert.throws(
      () => verifyMessage(message, { ...good, algorithm: 'GPG' }, publicKey),
      UnsupportedAlgorithmError,
    );
    assert.throws(
      () => verifyMessage(message, { ...good, mediaType: 'text/plain' }, publicKey),
      UnsupportedAlgorithmError,
    );
    assert.throws(() => signMessage(message, privateKey, { algorithm: 'ECDSA' }), UnsupportedAlgorithmError);
  });
});

describe('wrong key', () => {
  for (const algorithm of [RSASSA_PSS, RSASSA_PKCS1_V1_5]) {
    it(`${algorithm}: a signature does not verify with another key`, () => {
      const signature = signMessage(message, privateKey, { algorithm });
      assert.throws(
        () => verifyMessage(message, signature, other.publicKey, { signatureName: 'prod' }),
        (e: unknown) =>
          e instanceof SignatureVerificationError &&
          e.code === 'SIGNATURE_INVALID' &&
          e.signatureName === 'prod',
      );
    });
  }
});
