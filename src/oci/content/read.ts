import type { Readable } from 'node:stream';
import type { Descriptor } from '../descriptor.js';
import { verifyBytes } from '../digest.js';
import { TooLargeError } from '../errors.js';
import { MAX_MANIFEST_SIZE } from '../manifest.js';
import { canFetchReference } from './guards.js';
import type { Fetcher, OperationOptions, ReadOnlyTarget } from './storage.js';

export interface FetchAllOptions extends OperationOptions {
  /** Refuse content larger than this before reading it. Default: 4 MiB, the manifest limit. */
  readonly maxSize?: number;
}

/**
 * Fetches content into memory and checks it against size and digest, failing on short reads and on
 * trailing data. Meant for manifests, configs and descriptors; stream anything large.
 */
export async function fetchAll(
  fetcher: Fetcher,
  target: Descriptor,
  options: FetchAllOptions = {},
): Promise<Uint8Array> {
  const maxSize = options.maxSize ?? MAX_MANIFEST_SIZE;
  if (target.size > maxSize) throw new TooLargeError(`content ${target.digest}`, maxSize);
  const stream = await fetcher.fetch(target, options);
  const bytes = await readAll(stream, target.size, options.signal);
  verifyBytes(bytes, target, `content ${target.digest}`);
  return bytes;
}

/** Reads a stream to its end, failing with `TooLargeError` as soon as it exceeds `limit` bytes. */
export async function readAll(stream: Readable, limit: number, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream.iterator({ destroyOnReturn: true })) {
      signal?.throwIfAborted();
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += buf.byteLength;
      if (total > limit) throw new TooLargeError('content', limit);
      chunks.push(buf);
    }
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/**
 * A manifest by tag or digest, as the store names it and its bytes (at most 4 MiB): one request
 * where the store can fetch by reference (a registry's GET by tag), else resolve then fetch. The
 * bytes are not checked against the digest here: callers say in their own terms what a mismatch is.
 */
export async function fetchManifest(
  store: ReadOnlyTarget,
  reference: string,
  options: OperationOptions = {},
): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
  if (canFetchReference(store)) {
    const got = await store.fetchReference(reference, options);
    return {
      descriptor: got.descriptor,
      bytes: await readAll(got.content, MAX_MANIFEST_SIZE, options.signal),
    };
  }
  const descriptor = await store.resolve(reference, options);
  return { descriptor, bytes: await fetchAll(store, descriptor, options) };
}
