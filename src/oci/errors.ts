/** Errors of the OCI primitives: digests, sizes, grammars, manifests, limits. */
import { OcmError, type OcmErrorOptions } from '../errors.js';

/** Bytes did not hash to the digest that names them. */
export class DigestMismatchError extends OcmError {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string, what = 'content', options?: OcmErrorOptions) {
    super('DIGEST_MISMATCH', `${what}: expected digest ${expected}, got ${actual}`, options);
    this.expected = expected;
    this.actual = actual;
  }
}

/** Content was longer or shorter than its descriptor says. */
export class SizeMismatchError extends OcmError {
  readonly expected: number;
  readonly actual: number;
  constructor(expected: number, actual: number, what = 'content', options?: OcmErrorOptions) {
    super(
      'SIZE_MISMATCH',
      `${what}: expected ${expected} bytes, got ${actual}${actual > expected ? ' or more' : ''}`,
      options,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** A digest string that does not follow the OCI digest grammar, or names an unsupported algorithm. */
export class InvalidDigestError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('INVALID_DIGEST', message, options);
  }
}

/** A reference, repository name or tag that does not follow its grammar. */
export class InvalidReferenceError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('INVALID_REFERENCE', message, options);
  }
}

/** A manifest, index or descriptor that is not well-formed. */
export class InvalidManifestError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('INVALID_MANIFEST', message, options);
  }
}

/** Content exceeds a limit that protects memory (manifests over 4 MiB, indexes over their cap). */
export class TooLargeError extends OcmError {
  readonly limit: number;
  constructor(what: string, limit: number, options?: OcmErrorOptions) {
    super('TOO_LARGE', `${what} exceeds the limit of ${limit} bytes`, options);
    this.limit = limit;
  }
}
