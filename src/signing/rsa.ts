import {
  constants,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { InvalidKeyError, SignatureVerificationError, UnsupportedAlgorithmError } from './errors.js';
import { type HashAlgorithm, nodeHashName, SHA256 } from './hash.js';

export const RSASSA_PSS = 'RSASSA-PSS';
export const RSASSA_PKCS1_V1_5 = 'RSASSA-PKCS1-V1_5';
export type SignatureAlgorithm = typeof RSASSA_PSS | typeof RSASSA_PKCS1_V1_5;
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = [RSASSA_PSS, RSASSA_PKCS1_V1_5];

/** `signature.mediaType` of a hex-encoded PKCS#1 v1.5 signature. */
export const MEDIA_TYPE_RSA = 'application/vnd.ocm.signature.rsa';
/** `signature.mediaType` of a hex-encoded RSASSA-PSS signature. */
export const MEDIA_TYPE_RSA_PSS = 'application/vnd.ocm.signature.rsa.pss';
/** `signature.mediaType` of a PEM-encoded signature (block `SIGNATURE`), either algorithm. */
export const MEDIA_TYPE_PEM = 'application/x-pem-file';

const PEM_BLOCK = 'SIGNATURE';
const PEM_ALGORITHM_HEADER = 'Signature Algorithm';

/** The `signature` member of a descriptor signature (docs/formats.md, Signing). */
export interface SignatureSpec {
  readonly algorithm: string;
  readonly value: string;
  readonly mediaType: string;
  readonly issuer?: string;
}

export type SignatureEncoding = 'hex' | 'pem';

/** A PEM text (or its bytes) or a key already loaded. */
export type KeyInput = string | Uint8Array | KeyObject;

export function isSignatureAlgorithm(name: string): name is SignatureAlgorithm {
  return (SIGNATURE_ALGORITHMS as readonly string[]).includes(name);
}

/** Loads an RSA private key from PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) PEM. */
export function loadPrivateKey(key: KeyInput): KeyObject {
  let loaded: KeyObject;
  try {
    loaded = key instanceof KeyObject ? key : createPrivateKey(pemText(key));
  } catch (cause) {
    throw new InvalidKeyError('cannot read the private key (PKCS#1 or PKCS#8 PEM expected)', { cause });
  }
  if (loaded.type !== 'private')
    throw new InvalidKeyError(`a private key is needed, got a ${loaded.type} key`);
  return requireRsa(loaded);
}

/**
 * Loads an RSA public key from SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`) PEM; a private key
 * or certificate is accepted too and yields its public key.
 */
export function loadPublicKey(key: KeyInput): KeyObject {
  let loaded: KeyObject;
  try {
    loaded = key instanceof KeyObject ? key : createPublicKey(pemText(key));
    if (loaded.type === 'private') loaded = createPublicKey(loaded);
  } catch (cause) {
    throw new InvalidKeyError('cannot read the public key (SPKI or PKCS#1 PEM expected)', { cause });
  }
  if (loaded.type !== 'public') throw new InvalidKeyError(`a public key is needed, got a ${loaded.type} key`);
  return requireRsa(loaded);
}

function pemText(key: string | Uint8Array): string {
  return typeof key === 'string' ? key : new TextDecoder().decode(key);
}

function requireRsa(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new InvalidKeyError(`an RSA key is needed, got ${key.asymmetricKeyType ?? 'an unknown key type'}`);
  }
  return key;
}

export interface SignMessageOptions {
  /** Default `RSASSA-PSS`. */
  readonly algorithm?: string;
  /** Default `SHA-256`: the hash of the digest the signature covers. */
  readonly hash?: HashAlgorithm;
  /** Default `hex`. */
  readonly encoding?: SignatureEncoding;
  readonly issuer?: string;
}

/**
 * Signs `message` with RSA. The signature covers hash(`message`): since OCM signs the descriptor
 * digest as a pre-hashed message, signing the normalised bytes yields exactly the signature over
 * the digest (docs/formats.md, Signing). PSS signs with the maximum salt length (key bytes - hash length -
 * 2), as both Go generations do; PKCS#1 v1.5 is deterministic.
 */
export function signMessage(
  message: Uint8Array,
  privateKey: KeyInput,
  options: SignMessageOptions = {},
): SignatureSpec {
  const algorithm = signatureAlgorithm(options.algorithm ?? RSASSA_PSS);
  const hash = options.hash ?? SHA256;
  const key = loadPrivateKey(privateKey);
  const raw =
    algorithm === RSASSA_PSS
      ? nodeSign(nodeHashName(hash), message, {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN,
        })
      : nodeSign(nodeHashName(hash), message, { key, padding: constants.RSA_PKCS1_PADDING });
  return encodeSignature(raw, algorithm, options);
}

/** Wraps raw signature bytes into a signature spec in the requested encoding (default hex). */
export function encodeSignature(
  raw: Uint8Array,
  algorithm: SignatureAlgorithm,
  options: Pick<SignMessageOptions, 'encoding' | 'issuer'> = {},
): SignatureSpec {
  const spec =
    (options.encoding ?? 'hex') === 'pem'
      ? { algorithm, value: encodeSignaturePem(raw, algorithm), mediaType: MEDIA_TYPE_PEM }
      : {
          algorithm,
          value: Buffer.from(raw).toString('hex'),
          mediaType: algorithm === RSASSA_PSS ? MEDIA_TYPE_RSA_PSS : MEDIA_TYPE_RSA,
        };
  return options.issuer === undefined ? spec : { ...spec, issuer: options.issuer };
}

export interface VerifyMessageOptions {
  /** Default `SHA-256`. */
  readonly hash?: HashAlgorithm;
  /** Names the signature in errors. */
  readonly signatureName?: string;
}

/**
 * Checks an RSA signature over hash(`message`). PSS is verified with automatic salt-length
 * detection, so signatures with any salt length verify (Go's default). Throws
 * `SignatureVerificationError` when it does not verify or cannot be decoded,
 * `UnsupportedAlgorithmError` for other algorithms, `InvalidKeyError` for unusable keys.
 */
export function verifyMessage(
  message: Uint8Array,
  signature: SignatureSpec,
  publicKey: KeyInput,
  options: VerifyMessageOptions = {},
): void {
  const name = options.signatureName ?? '';
  const algorithm = signatureAlgorithm(signature.algorithm);
  const key = loadPublicKey(publicKey);
  const raw = decodeSignature(signature, name);
  const hash = nodeHashName(options.hash ?? SHA256);
  let valid: boolean;
  try {
    valid =
      algorithm === RSASSA_PSS
        ? nodeVerify(
            hash,
            message,
            { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
            raw,
          )
        : nodeVerify(hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, raw);
  } catch (cause) {
    throw new SignatureVerificationError(name, `cannot check the ${algorithm} signature`, { cause });
  }
  if (!valid) {
    throw new SignatureVerificationError(
      name,
      `the ${algorithm} signature does not verify with the given public key`,
      {
        hint: 'Check that the public key belongs to the key that signed, and that the signature value is intact.',
      },
    );
  }
}

/** Checks a signature algorithm name; throws `UnsupportedAlgorithmError` for others. */
export function signatureAlgorithm(name: string): SignatureAlgorithm {
  if (!isSignatureAlgorithm(name))
    throw new UnsupportedAlgorithmError('signature algorithm', name, SIGNATURE_ALGORITHMS);
  return name;
}

/**
 * PEM form of a raw signature, as Go's `pem.Encode` writes it: block `SIGNATURE`, header
 * `Signature Algorithm: <algorithm>`, a blank line, base64 in lines of 64 characters.
 */
export function encodeSignaturePem(raw: Uint8Array, algorithm: string): string {
  const body =
    Buffer.from(raw)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return [
    `-----BEGIN ${PEM_BLOCK}-----`,
    `${PEM_ALGORITHM_HEADER}: ${algorithm}`,
    '',
    ...body,
    `-----END ${PEM_BLOCK}-----`,
    '',
  ].join('\n');
}

/**
 * The raw signature bytes of a signature spec: hex for the two RSA media types, the first
 * `SIGNATURE` block for PEM (a certificate chain may follow; it is ignored here). A PEM header
 * naming another algorithm than `signature.algorithm` is an error, not a hint to switch.
 */
export function decodeSignature(signature: SignatureSpec, signatureName = ''): Buffer {
  if (signature.mediaType === MEDIA_TYPE_PEM) {
    const block = parsePemBlock(signature.value, PEM_BLOCK);
    if (block === undefined)
      throw new SignatureVerificationError(signatureName, `no PEM block ${PEM_BLOCK} in the value`);
    const declared = block.headers.get(PEM_ALGORITHM_HEADER);
    if (declared !== undefined && declared !== signature.algorithm) {
      throw new SignatureVerificationError(
        signatureName,
        `the PEM header names ${JSON.stringify(declared)} but the signature claims ${JSON.stringify(signature.algorithm)}`,
      );
    }
    return block.bytes;
  }
  if (signature.mediaType !== MEDIA_TYPE_RSA && signature.mediaType !== MEDIA_TYPE_RSA_PSS) {
    throw new UnsupportedAlgorithmError('signature media type', signature.mediaType, [
      MEDIA_TYPE_RSA,
      MEDIA_TYPE_RSA_PSS,
      MEDIA_TYPE_PEM,
    ]);
  }
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(signature.value)) {
    throw new SignatureVerificationError(signatureName, 'the signature value is not hex');
  }
  return Buffer.from(signature.value, 'hex');
}

interface PemBlock {
  readonly headers: Map<string, string>;
  readonly bytes: Buffer;
}

function parsePemBlock(text: string, type: string): PemBlock | undefined {
  const lines = text.replaceAll('\r\n', '\n').split('\n');
  const begin = lines.findIndex((line) => line.trim() === `-----BEGIN ${type}-----`);
  if (begin < 0) return undefined;
  const end = lines.findIndex((line, i) => i > begin && line.trim() === `-----END ${type}-----`);
  if (end < 0) return undefined;
  const inner = lines.slice(begin + 1, end);
  const headers = new Map<string, string>();
  // RFC 1421 headers: "Name: value" lines, ended by a blank line; absent when the first line has no colon.
  let bodyStart = 0;
  if (inner[0]?.includes(':')) {
    while (bodyStart < inner.length && inner[bodyStart]!.trim() !== '') {
      const line = inner[bodyStart]!;
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      bodyStart++;
    }
  }
  const base64 = inner.slice(bodyStart).join('').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length === 0) return undefined;
  return { headers, bytes: Buffer.from(base64, 'base64') };
}
