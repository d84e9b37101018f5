import { createHash } from 'node:crypto';
import { UnsupportedAlgorithmError } from './errors.js';

/** Hash algorithm names as OCM writes them (docs/formats.md, Signing). */
export const SHA256 = 'SHA-256';
export const SHA512 = 'SHA-512';
export type HashAlgorithm = typeof SHA256 | typeof SHA512;
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = [SHA256, SHA512];

/**
 * Maps a hash name to the spelling we write. Accepts `SHA-256`/`SHA-512` and the legacy ocm1
 * spellings `sha256`/`sha512` (in any case, with or without the dash); ocm2 rejects the legacy
 * ones, we accept them so that old signatures verify. Throws `UnsupportedAlgorithmError` otherwise.
 */
export function canonicalHashAlgorithm(name: string): HashAlgorithm {
  switch (typeof name === 'string' ? name.toUpperCase().replace('-', '') : undefined) {
    case 'SHA256':
      return SHA256;
    case 'SHA512':
      return SHA512;
    default:
      throw new UnsupportedAlgorithmError('hash algorithm', String(name), HASH_ALGORITHMS);
  }
}

/** The name node:crypto uses for a hash algorithm. */
export function nodeHashName(algorithm: HashAlgorithm): 'sha256' | 'sha512' {
  return algorithm === SHA256 ? 'sha256' : 'sha512';
}

/** Length of a digest in bytes. */
export function hashLength(algorithm: HashAlgorithm): number {
  return algorithm === SHA256 ? 32 : 64;
}

export function hashHex(content: Uint8Array | string, algorithm: HashAlgorithm): string {
  return createHash(nodeHashName(algorithm)).update(content).digest('hex');
}

/** Content as bytes in memory or as a stream of chunks (a Node `Readable` or a web `ReadableStream`). */
export type Content = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Hashes content, streaming when it is a stream: only one chunk is held at a time. The caller owns
 * the stream; it is consumed to its end unless `signal` aborts, which rejects with the abort reason.
 */
export async function hashContent(
  content: Content,
  algorithm: HashAlgorithm,
  signal?: AbortSignal,
): Promise<string> {
  signal?.throwIfAborted();
  const hash = createHash(nodeHashName(algorithm));
  if (content instanceof Uint8Array) {
    hash.update(content);
  } else {
    for await (const chunk of content) {
      signal?.throwIfAborted();
      hash.update(chunk);
    }
  }
  return hash.digest('hex');
}
