import { NotFoundError, OcmError, type OcmErrorOptions } from '../errors.js';
import { DigestMismatchError } from '../oci/errors.js';

export { UnsupportedAlgorithmError } from '../descriptor/normalisation/index.js';

/**
 * A signature that does not verify: wrong key, tampered value, malformed encoding, or an algorithm
 * that differs from the one its PEM header names. The descriptor digest itself matched (a
 * digest mismatch is a `DescriptorDigestMismatchError`).
 */
export class SignatureVerificationError extends OcmError {
  readonly signatureName: string;
  constructor(signatureName: string, reason: string, options?: OcmErrorOptions) {
    super('SIGNATURE_INVALID', `signature ${JSON.stringify(signatureName)}: ${reason}`, options);
    this.signatureName = signatureName;
  }
}

/** A digest spec as stored in a descriptor, and one computed from what it describes. */
export interface DigestPair {
  readonly stored: { hashAlgorithm: string; normalisationAlgorithm: string; value: string };
  readonly computed: { hashAlgorithm: string; normalisationAlgorithm: string; value: string };
}

/**
 * The normalised descriptor does not hash to the digest a signature records: the signed part of
 * the descriptor changed after signing (or was normalised differently).
 */
export class DescriptorDigestMismatchError extends DigestMismatchError {
  readonly signatureName: string;
  readonly stored: DigestPair['stored'];
  readonly computed: DigestPair['computed'];
  constructor(signatureName: string, digests: DigestPair) {
    super(
      digestText(digests.stored),
      digestText(digests.computed),
      `signature ${JSON.stringify(signatureName)}: descriptor normalised with ${digests.stored.normalisationAlgorithm}`,
      { hint: 'A signed field of the descriptor was changed after signing; sign it again or restore it.' },
    );
    this.message =
      `signature ${JSON.stringify(signatureName)}: the descriptor digest (${digests.stored.normalisationAlgorithm}) ` +
      `is stored as ${digestText(digests.stored)} but computes to ${digestText(digests.computed)}`;
    this.signatureName = signatureName;
    this.stored = digests.stored;
    this.computed = digests.computed;
  }
}

/** Content of a resource, or a referenced component version, differs from the digest stored for it. */
export class ElementDigestMismatchError extends DigestMismatchError {
  readonly kind: 'resource' | 'component reference';
  readonly identity: Readonly<Record<string, string>>;
  readonly stored: DigestPair['stored'];
  readonly computed: DigestPair['computed'];
  constructor(
    kind: 'resource' | 'component reference',
    identity: Record<string, string>,
    digests: DigestPair,
  ) {
    super(
      digestText(digests.stored),
      digestText(digests.computed),
      `${kind} ${JSON.stringify(identity)} (${digests.stored.normalisationAlgorithm})`,
    );
    this.message =
      `${kind} ${JSON.stringify(identity)}: the digest (${digests.stored.normalisationAlgorithm}) is stored as ` +
      `${digestText(digests.stored)} but computes to ${digestText(digests.computed)}`;
    this.kind = kind;
    this.identity = identity;
    this.stored = digests.stored;
    this.computed = digests.computed;
  }
}

/** A resource or component reference that must carry a digest (for signing or verifying) has none. */
export class MissingDigestError extends OcmError {
  readonly identity: Readonly<Record<string, string>>;
  constructor(kind: string, identity: Record<string, string>, options?: OcmErrorOptions) {
    super('DIGEST_MISSING', `${kind} ${JSON.stringify(identity)} has no digest`, options);
    this.identity = identity;
  }
}

/** The descriptor has no signature of that name (or none at all). */
export class SignatureNotFoundError extends NotFoundError {
  readonly signatureName: string | undefined;
  constructor(signatureName: string | undefined, available: readonly string[]) {
    super(
      signatureName === undefined
        ? 'the descriptor carries no signature'
        : `no signature ${JSON.stringify(signatureName)} (present: ${available.length > 0 ? available.map((n) => JSON.stringify(n)).join(', ') : 'none'})`,
    );
    this.signatureName = signatureName;
  }
}

/** More than one signature is present and none was named. */
export class AmbiguousSignatureError extends OcmError {
  constructor(available: readonly string[]) {
    super('SIGNATURE_AMBIGUOUS', `the descriptor carries several signatures: ${available.join(', ')}`, {
      hint: 'Name the signature to verify.',
    });
  }
}

/** A key that cannot be read, is not RSA, or is of the wrong kind (private where public is needed). */
export class InvalidKeyError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('INVALID_KEY', message, options);
  }
}

/** A component reference chain that leads back to a version already being digested. */
export class ReferenceCycleError extends OcmError {
  readonly chain: readonly string[];
  constructor(chain: readonly string[]) {
    super('REFERENCE_CYCLE', `component references form a cycle: ${chain.join(' -> ')}`);
    this.chain = chain;
  }
}

function digestText(spec: { hashAlgorithm: string; value: string }): string {
  return `${spec.hashAlgorithm}:${spec.value}`;
}
