import { OcmError, type OcmErrorOptions } from '../../errors.js';

/**
 * A descriptor (or a value inside it) that cannot be normalised: wrong structural types,
 * values that have no JSON form, cycles. `path` is a JSON pointer into the input.
 */
export class NormalisationError extends OcmError {
  readonly path: string;
  constructor(path: string, message: string, options?: OcmErrorOptions) {
    super('NORMALISATION_FAILED', `${path === '' ? 'descriptor' : path}: ${message}`, options);
    this.path = path;
  }
}

/**
 * An integer whose magnitude is 2^53 or more. Go decodes descriptor numbers into float64, so such
 * values lose precision before they are hashed: two descriptors that differ only there would share a
 * signature. We refuse to normalise them instead of silently hashing a rounded value.
 */
export class UnsafeNumberError extends OcmError {
  readonly path: string;
  constructor(path: string, value: number | bigint) {
    super(
      'UNSAFE_NUMBER',
      `${path}: the integer ${String(value)} cannot be represented exactly in a signed descriptor (limit 2^53)`,
      { hint: 'Store large numbers in label values as strings.' },
    );
    this.path = path;
  }
}

/** A normalisation, hash or signature algorithm name this implementation does not know. */
export class UnsupportedAlgorithmError extends OcmError {
  readonly kind: string;
  readonly algorithm: string;
  constructor(kind: string, algorithm: string, supported: readonly string[]) {
    super(
      'UNSUPPORTED_ALGORITHM',
      `unsupported ${kind} ${JSON.stringify(algorithm)} (supported: ${supported.join(', ')})`,
    );
    this.kind = kind;
    this.algorithm = algorithm;
  }
}
