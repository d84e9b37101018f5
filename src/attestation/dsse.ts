/**
 * DSSE (Dead Simple Signing Envelope, protocol v1.0.0): the pre-authentication encoding, and the JSON
 * envelope `{payloadType, payload, signatures: [{keyid, sig}]}`. A signature covers
 * `PAE(payloadType, body)`, never the JSON around it, so the envelope needs no canonical form.
 */
import type { KeyObject } from 'node:crypto';
import { InvalidEnvelopeError } from './errors.js';
import { keyId, signBytes, verifyBytes } from './keys.js';

/** The payload type of in-toto statements. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface EnvelopeSignature {
  /** Unauthenticated hint: the hex SHA-256 of the signer's SPKI DER. Never used to decide trust. */
  readonly keyid: string;
  /** Base64 of the signature over the PAE. */
  readonly sig: string;
}

export interface Envelope {
  readonly payloadType: string;
  /** Base64 of the serialized body. */
  readonly payload: string;
  readonly signatures: readonly EnvelopeSignature[];
}

/** `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN the decimal byte length. */
export function pae(payloadType: string, body: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.byteLength} `, 'ascii'),
    type,
    Buffer.from(` ${body.byteLength} `, 'ascii'),
    body,
  ]);
}

/** Signs `body` with one key: an envelope with one signature (keyid = SHA-256 of the SPKI DER). */
export function signEnvelope(payloadType: string, body: Uint8Array, key: KeyObject): Envelope {
  return {
    payloadType,
    payload: Buffer.from(body).toString('base64'),
    signatures: [
      { keyid: keyId(key), sig: Buffer.from(signBytes(key, pae(payloadType, body))).toString('base64') },
    ],
  };
}

/** The envelope as stored: JSON with the members in the order of the DSSE spec. */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      payloadType: envelope.payloadType,
      payload: envelope.payload,
      signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })),
    }),
    'utf8',
  );
}

const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

/** Decodes standard or URL-safe base64 (the spec requires verifiers to accept either); refuses anything else. */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1)
    throw new InvalidEnvelopeError(`${what} is not base64`);
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * Reads an envelope. `payload`, `payloadType`, `signatures` and each `sig` are required (an absent
 * `keyid` reads as empty); members we do not know are ignored, as the spec says.
 */
export function parseEnvelope(bytes: Uint8Array | string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(
      typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes),
    );
  } catch (cause) {
    throw new InvalidEnvelopeError('not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidEnvelopeError('not a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.payloadType !== 'string') throw new InvalidEnvelopeError('payloadType must be a string');
  if (typeof v.payload !== 'string') throw new InvalidEnvelopeError('payload must be a string');
  decodeBase64(v.payload, 'payload');
  if (!Array.isArray(v.signatures)) throw new InvalidEnvelopeError('signatures must be a list');
  const signatures = v.signatures.map((s, i): EnvelopeSignature => {
    if (typeof s !== 'object' || s === null)
      throw new InvalidEnvelopeError(`signatures[${i}] is not an object`);
    const { keyid, sig } = s as Record<string, unknown>;
    if (typeof sig !== 'string') throw new InvalidEnvelopeError(`signatures[${i}].sig must be a string`);
    decodeBase64(sig, `signatures[${i}].sig`);
    if (keyid !== undefined && typeof keyid !== 'string')
      throw new InvalidEnvelopeError(`signatures[${i}].keyid must be a string`);
    return { keyid: keyid ?? '', sig };
  });
  return { payloadType: v.payloadType, payload: v.payload, signatures };
}

/** The serialized body an envelope carries. */
export function envelopePayload(envelope: Envelope): Uint8Array {
  return decodeBase64(envelope.payload, 'payload');
}

/** A key a verifier accepts, with the name it goes by (a `trust` entry of a stages document). */
export interface TrustedKey {
  readonly name: string;
  readonly key: KeyObject;
}

/**
 * How an envelope's signatures stand against the trusted keys:
 * - `verified`: a signature verifies with a trusted key (`signer` names it);
 * - `bad signature`: a signature names a trusted key by keyid but does not verify with it (an edited
 *   payload, a forged signature);
 * - `unknown key`: no trusted key verifies any signature, and none is named;
 * - `unsigned`: the envelope has no signatures.
 * Every trusted key is tried on every signature: the keyid only picks the verdict's wording.
 */
export interface EnvelopeVerification {
  readonly status: 'verified' | 'bad signature' | 'unknown key' | 'unsigned';
  readonly signer?: string;
  /** keyid of the verified signature, else of the first signature. */
  readonly keyid?: string;
}

export function verifyEnvelope(envelope: Envelope, trusted: readonly TrustedKey[]): EnvelopeVerification {
  if (envelope.signatures.length === 0) return { status: 'unsigned' };
  const message = pae(envelope.payloadType, envelopePayload(envelope));
  let named = false;
  for (const s of envelope.signatures) {
    const sig = decodeBase64(s.sig, 'sig');
    for (const t of trusted) {
      if (verifyBytes(t.key, message, sig))
        return { status: 'verified', signer: t.name, keyid: keyId(t.key) };
      if (s.keyid !== '' && s.keyid === keyId(t.key)) named = true;
    }
  }
  const keyid = envelope.signatures[0]!.keyid;
  return { status: named ? 'bad signature' : 'unknown key', ...(keyid === '' ? {} : { keyid }) };
}
