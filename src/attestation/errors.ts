import { OcmError, type OcmErrorOptions } from '../errors.js';

/** A DSSE envelope that cannot be read: not JSON, a missing member, bad base64 (docs/formats.md, Evidence). */
export class InvalidEnvelopeError extends OcmError {
  constructor(reason: string, options: OcmErrorOptions = {}) {
    super('INVALID_ENVELOPE', `invalid DSSE envelope: ${reason}`, {
      hint: 'the envelope must be {payloadType, payload (base64), signatures: [{keyid, sig}]}',
      ...options,
    });
  }
}

/** An in-toto Statement (or one of the predicates we read) that breaks its specification. */
export class InvalidStatementError extends OcmError {
  constructor(reason: string, options: OcmErrorOptions = {}) {
    super('INVALID_STATEMENT', `invalid in-toto statement: ${reason}`, {
      hint: 'evidence is an in-toto Statement v1 (https://in-toto.io/Statement/v1); see docs/formats.md, Evidence',
      ...options,
    });
  }
}

/** A key that cannot sign or verify evidence. The message never quotes the key. */
export class EvidenceKeyError extends OcmError {
  constructor(reason: string, options: OcmErrorOptions = {}) {
    super('INVALID_EVIDENCE_KEY', reason, {
      hint: 'give a PEM key: ECDSA P-256, Ed25519 or RSA (PKCS#8, SEC1, PKCS#1 or SPKI)',
      ...options,
    });
  }
}
