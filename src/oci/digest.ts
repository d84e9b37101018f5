import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, InvalidDigestError, SizeMismatchError } from './errors.js';

/**
 * Digests as the OCI image spec defines them (`algorithm ":" encoded`), restricted to the
 * registered algorithms that every registry accepts: sha256 (the default) and sha512.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests
 */
export type DigestAlgorithm = 'sha256' | 'sha512';

const encodedPattern: Record<DigestAlgorithm, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};
const grammar = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  readonly encoded: string;
}

export function isDigestAlgorithm(value: string): value is DigestAlgorithm {
  return value === 'sha256' || value === 'sha512';
}

/** Parses and validates a digest; throws `InvalidDigestError` for anything else. */
export function parseDigest(digest: string): ParsedDigest {
  if (typeof digest !== 'string' || !grammar.test(digest)) {
    throw new InvalidDigestError(`invalid digest ${JSON.stringify(truncate(digest))}`);
  }
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  if (!isDigestAlgorithm(algorithm)) {
    throw new InvalidDigestError(
      `unsupported digest algorithm ${JSON.stringify(algorithm)} (sha256 and sha512 are)`,
    );
  }
  if (!encodedPattern[algorithm].test(encoded)) {
    throw new InvalidDigestError(`invalid ${algorithm} digest ${JSON.stringify(truncate(digest))}`);
  }
  return { algorithm, encoded };
}

/**
 * Whether `digest` is one `parseDigest` accepts. Asked of every tag a command resolves (is it a
 * digest or a name?), so it answers without throwing: an error per tag cost a stack trace each.
 */
export function isValidDigest(digest: string): boolean {
  if (typeof digest !== 'string' || !grammar.test(digest)) return false;
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  return isDigestAlgorithm(algorithm) && encodedPattern[algorithm].test(digest.slice(colon + 1));
}

/** Computes the digest of bytes held in memory. */
export function digestOf(content: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(content).digest('hex')}`;
}

/** Incremental digest computation for streamed content. */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  #hash: Hash;
  #size = 0;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    this.algorithm = algorithm;
    this.#hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#size += chunk.byteLength;
  }

  get size(): number {
    return this.#size;
  }

  /** Finishes the computation; the digester cannot be used afterwards. */
  digest(): string {
    return `${this.algorithm}:${this.#hash.digest('hex')}`;
  }
}

export interface Expected {
  readonly digest: string;
  readonly size: number;
}

/** Streams that end cleanly only with the bytes of a known size and digest (see `markVerified`). */
const verifiedStreams = new WeakMap<object, Expected>();

/**
 * Declares that `stream` fails, instead of ending cleanly, unless its bytes have `expected`'s size and
 * digest: a `VerifyingStream`, or a pass-through of one that forwards its errors. A consumer that
 * would check the same size and digest again (an upload) may then skip hashing every byte twice.
 */
export function markVerified(stream: object, expected: Expected): void {
  verifiedStreams.set(stream, { digest: expected.digest, size: expected.size });
}

/** Whether `stream` was marked verified against this very digest and size (see `markVerified`). */
export function isVerified(stream: object, expected: Expected): boolean {
  const known = verifiedStreams.get(stream);
  return known !== undefined && known.digest === expected.digest && known.size === expected.size;
}

/**
 * A pass-through stream that fails as soon as more than `expected.size` bytes arrive, and at the
 * end when the size or digest differ. Consumers therefore see an error instead of a clean end
 * whenever the content is not what was asked for; they must not trust the bytes before `end`.
 */
export class VerifyingStream extends Transform {
  readonly #expected: Expected;
  readonly #digester: Digester;
  readonly #what: string;

  constructor(expected: Expected, what = 'content') {
    super();
    this.#expected = expected;
    this.#digester = new Digester(parseDigest(expected.digest).algorithm);
    this.#what = what;
    markVerified(this, expected);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#digester.size + chunk.byteLength > this.#expected.size) {
      callback(
        new SizeMismatchError(this.#expected.size, this.#digester.size + chunk.byteLength, this.#what),
      );
      return;
    }
    this.#digester.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#digester.size !== this.#expected.size) {
      callback(new SizeMismatchError(this.#expected.size, this.#digester.size, this.#what));
      return;
    }
    const actual = this.#digester.digest();
    if (actual !== this.#expected.digest) {
      callback(new DigestMismatchError(this.#expected.digest, actual, this.#what));
      return;
    }
    callback();
  }
}

/** Checks bytes held in memory against a size and digest. */
export function verifyBytes(content: Uint8Array, expected: Expected, what = 'content'): void {
  if (content.byteLength !== expected.size)
    throw new SizeMismatchError(expected.size, content.byteLength, what);
  const actual = digestOf(content, parseDigest(expected.digest).algorithm);
  if (actual !== expected.digest) throw new DigestMismatchError(expected.digest, actual, what);
}

function truncate(value: unknown): string {
  const text = String(value);
  return text.length > 160 ? `${text.slice(0, 160)}...` : text;
}
