/**
 * Keys that sign and verify evidence: ECDSA P-256 with SHA-256 and ASN.1 DER signatures (what cosign
 * makes), Ed25519, and RSA (PKCS#1 v1.5 with SHA-256, as cosign signs with an RSA key). All as PEM.
 * The keyid is the hex SHA-256 of the public key's SPKI DER. Nothing here ever prints a key.
 */
import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { EvidenceKeyError } from './errors.js';

export type EvidenceKeyType = 'ecdsa-p256' | 'ed25519' | 'rsa';

/** A PEM text (or its bytes) or a key already loaded. */
export type EvidenceKeyInput = string | Uint8Array | KeyObject;

/** Loads a private key that can sign evidence. */
export function loadSigningKey(input: EvidenceKeyInput): KeyObject {
  if (!(input instanceof KeyObject) && /-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(pem(input)))
    throw new EvidenceKeyError('a private key is needed, got a public key');
  let key: KeyObject;
  try {
    key = input instanceof KeyObject ? input : createPrivateKey(pem(input));
  } catch (cause) {
    throw new EvidenceKeyError('cannot read the private key', { cause });
  }
  if (key.type !== 'private') throw new EvidenceKeyError(`a private key is needed, got a ${key.type} key`);
  keyTypeOf(key);
  return key;
}

/** Loads a public key (a private key or certificate yields its public key). */
export function loadVerifyingKey(input: EvidenceKeyInput): KeyObject {
  let key: KeyObject;
  try {
    key =
      input instanceof KeyObject
        ? input.type === 'public'
          ? input
          : createPublicKey(input)
        : createPublicKey(pem(input));
  } catch (cause) {
    throw new EvidenceKeyError('cannot read the public key', { cause });
  }
  keyTypeOf(key);
  return key;
}

/** The kind of a key, or `EvidenceKeyError` for kinds evidence does not use (other curves, DSA). */
export function keyTypeOf(key: KeyObject): EvidenceKeyType {
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
        throw new EvidenceKeyError(
          `ECDSA keys must be on P-256, not ${key.asymmetricKeyDetails?.namedCurve ?? 'an unknown curve'}`,
        );
      return 'ecdsa-p256';
    case 'ed25519':
      return 'ed25519';
    case 'rsa':
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
        throw new EvidenceKeyError('RSA keys must have at least 2048 bits');
      return 'rsa';
    default:
      throw new EvidenceKeyError(
        `keys of type ${key.asymmetricKeyType ?? 'unknown'} cannot sign evidence (ECDSA P-256, Ed25519 or RSA)`,
      );
  }
}

/** Hex SHA-256 of the public key's SubjectPublicKeyInfo DER (of the public half of a private key). */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The public key as SPKI PEM (for a stages document's `trust`). */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/** Signs `data`: ECDSA P-256/SHA-256 (DER), Ed25519 (pure), RSA PKCS#1 v1.5/SHA-256. */
export function signBytes(key: KeyObject, data: Uint8Array): Uint8Array {
  const type = keyTypeOf(key);
  if (type === 'ed25519') return sign(null, data, key);
  return sign('sha256', data, type === 'ecdsa-p256' ? { key, dsaEncoding: 'der' } : key);
}

/** Whether `signature` over `data` verifies with `key`; malformed signatures are simply false. */
export function verifyBytes(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    const type = keyTypeOf(key);
    if (type === 'ed25519') return verify(null, data, key, signature);
    return verify('sha256', data, type === 'ecdsa-p256' ? { key, dsaEncoding: 'der' } : key, signature);
  } catch {
    return false;
  }
}

/**
 * The warning to print for a private key file with mode `mode` (from `stat`), or undefined: a key
 * readable by the group or by others is no longer private to its owner.
 */
export function keyFileModeWarning(path: string, mode: number): string | undefined {
  if ((mode & 0o077) === 0) return undefined;
  return `warning: private key ${path} is accessible by others (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); chmod 600 it`;
}

function pem(input: string | Uint8Array): string {
  return typeof input === 'string' ? input : new TextDecoder().decode(input);
}
