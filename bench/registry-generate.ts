import { createCipheriv, createHash } from 'node:crypto';

const CHUNK = 1024 * 1024;

/** Deterministic pseudo-random bytes (AES-128-CTR over zeros), so the digest can be known up front. */
export function* generate(size: number): Generator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(CHUNK);
  for (let done = 0; done < size; done += CHUNK) {
    yield cipher.update(zeros.subarray(0, Math.min(CHUNK, size - done)));
  }
}

export function generatedDigest(size: number): string {
  const hash = createHash('sha256');
  for (const chunk of generate(size)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}
