import {
  constants,
  createHash,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { InvalidDigestError } from '../oci/errors.js';
import type { DigestSpec } from './digest-spec.js';
import { InvalidKeyError, SignatureVerificationError } from './errors.js';
import { canonicalHashAlgorithm, type HashAlgorithm, hashLength, nodeHashName } from './hash.js';
import {
  decodeSignature,
  encodeSignature,
  type KeyInput,
  loadPrivateKey,
  loadPublicKey,
  RSASSA_PSS,
  type SignatureSpec,
  type SignMessageOptions,
  signatureAlgorithm,
} from './rsa.js';

/*
 * RSA signatures over a digest that was computed elsewhere ("pre-hashed"), which is what OCM signs
 * (docs/formats.md, Signing). node:crypto only signs messages it hashes itself, so the encodings
 * of RFC 8017 are applied here and only the raw RSA operation is left to OpenSSL:
 * EMSA-PKCS1-v1_5 (section 9.2) and EMSA-PSS with MGF1 over the same hash (section 9.1).
 * The results are interchangeable with `signMessage`/`verifyMessage` over the hashed bytes.
 */

/** DER prefixes of DigestInfo (RFC 8017 section 9.2, note 1). */
const digestInfoPrefix: Record<HashAlgorithm, string> = {
  'SHA-256': '3031300d060960864801650304020105000420',
  'SHA-512': '3051300d060960864801650304020305000440',
};

/**
 * Signs a digest spec's value as a pre-hashed message: RSASSA-PSS (default; maximum salt length)
 * or RSASSA-PKCS1-V1_5. Throws `UnsupportedAlgorithmError` for other hash or signature algorithms.
 */
export function signDigest(
  digest: Pick<DigestSpec, 'hashAlgorithm' | 'value'>,
  privateKey: KeyInput,
  options: Omit<SignMessageOptions, 'hash'> = {},
): SignatureSpec {
  const hash = canonicalHashAlgorithm(digest.hashAlgorithm);
  const mHash = digestBytes(digest, hash);
  const algorithm = signatureAlgorithm(options.algorithm ?? RSASSA_PSS);
  const key = loadPrivateKey(privateKey);
  const modBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  const k = Math.ceil(modBits / 8);
  const raw =
    algorithm === RSASSA_PSS
      ? privateEncrypt(
          { key, padding: constants.RSA_NO_PADDING },
          leftPad(emsaPssEncode(mHash, hash, modBits - 1), k),
        )
      : privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo(mHash, hash));
  return encodeSignature(raw, algorithm, options);
}

/**
 * Checks a signature over a digest spec's value as a pre-hashed message. PSS salt lengths are
 * recovered from the signature (any length verifies, as in Go). Throws
 * `SignatureVerificationError`, `UnsupportedAlgorithmError` or `InvalidKeyError`.
 */
export function verifyDigest(
  digest: Pick<DigestSpec, 'hashAlgorithm' | 'value'>,
  signature: SignatureSpec,
  publicKey: KeyInput,
  options: { readonly signatureName?: string } = {},
): void {
  const name = options.signatureName ?? '';
  const hash = canonicalHashAlgorithm(digest.hashAlgorithm);
  const mHash = digestBytes(digest, hash);
  const algorithm = signatureAlgorithm(signature.algorithm);
  const key = loadPublicKey(publicKey);
  const raw = decodeSignature(signature, name);
  const modBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  const k = Math.ceil(modBits / 8);
  let valid = false;
  if (raw.length === k) {
    try {
      if (algorithm === RSASSA_PSS) {
        const em = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, raw);
        valid = emsaPssVerify(mHash, em, hash, modBits - 1);
      } else {
        const decoded = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, raw);
        const expected = digestInfo(mHash, hash);
        valid = decoded.length === expected.length && timingSafeEqual(decoded, expected);
      }
    } catch {
      valid = false; // malformed padding: the signature is not ours
    }
  }
  if (!valid) {
    throw new SignatureVerificationError(
      name,
      `the ${algorithm} signature does not verify with the given public key`,
    );
  }
}

function digestBytes(digest: Pick<DigestSpec, 'value'>, hash: HashAlgorithm): Buffer {
  if (!new RegExp(`^[0-9a-fA-F]{${hashLength(hash) * 2}}$`).test(digest.value)) {
    throw new InvalidDigestError(`a ${hash} digest value needs ${hashLength(hash) * 2} hex digits`);
  }
  return Buffer.from(digest.value, 'hex');
}

function digestInfo(mHash: Buffer, hash: HashAlgorithm): Buffer {
  return Buffer.concat([Buffer.from(digestInfoPrefix[hash], 'hex'), mHash]);
}

function mgf1(seed: Buffer, length: number, hash: HashAlgorithm): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0, done = 0; done < length; i++, done += hashLength(hash)) {
    counter.writeUInt32BE(i);
    blocks.push(createHash(nodeHashName(hash)).update(seed).update(counter).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function pssHash(mHash: Buffer, salt: Buffer, hash: HashAlgorithm): Buffer {
  return createHash(nodeHashName(hash)).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
}

/** EMSA-PSS-ENCODE (RFC 8017 section 9.1.1) with the maximum salt length emLen - hLen - 2. */
function emsaPssEncode(mHash: Buffer, hash: HashAlgorithm, emBits: number): Buffer {
  const hLen = hashLength(hash);
  const emLen = Math.ceil(emBits / 8);
  const sLen = emLen - hLen - 2;
  if (sLen < 0)
    throw new InvalidKeyError(`an RSA key of ${emBits + 1} bits is too small for RSASSA-PSS with ${hash}`);
  const salt = randomBytes(sLen);
  const h = pssHash(mHash, salt, hash);
  const db = Buffer.concat([Buffer.alloc(emLen - sLen - hLen - 2), Buffer.from([1]), salt]);
  const maskedDb = xor(db, mgf1(h, emLen - hLen - 1, hash));
  maskedDb[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([maskedDb, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY (RFC 8017 section 9.1.2), recovering the salt length from the encoding. */
function emsaPssVerify(mHash: Buffer, decrypted: Buffer, hash: HashAlgorithm, emBits: number): boolean {
  const hLen = hashLength(hash);
  const emLen = Math.ceil(emBits / 8);
  // the raw RSA output has k bytes; with emBits a multiple of 8 the encoding is one byte shorter
  const extra = decrypted.length - emLen;
  if (extra < 0 || decrypted.subarray(0, extra).some((b) => b !== 0)) return false;
  const em = decrypted.subarray(extra);
  if (emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((maskedDb[0]! & ~topMask) !== 0) return false;
  const db = xor(maskedDb, mgf1(h, emLen - hLen - 1, hash));
  db[0]! &= topMask;
  const one = db.indexOf(1);
  if (one < 0 || db.subarray(0, one).some((b) => b !== 0)) return false;
  return timingSafeEqual(pssHash(mHash, db.subarray(one + 1), hash), h);
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

function leftPad(bytes: Buffer, length: number): Buffer {
  return bytes.length >= length ? bytes : Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}
