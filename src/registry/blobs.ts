import { Readable } from 'node:stream';
import { NotFoundError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { Digester, isVerified, parseDigest, VerifyingStream, verifyBytes } from '../oci/digest.js';
import { DigestMismatchError, SizeMismatchError } from '../oci/errors.js';
import { type ClientRequest, hasStatus, type RegistryClient } from './client.js';
import { RegistryError, redactUrl } from './errors.js';
import { backoffDelay, isNetworkError, sleep } from './retry.js';
import { type HttpResponse, header } from './transport.js';

/** What the blob functions need of a repository. */
export interface BlobContext {
  readonly client: RegistryClient;
  /** `https://host/v2/NAME/` */
  readonly base: URL;
  readonly name: string;
  readonly pullScopes: readonly string[];
  readonly pushScopes: readonly string[];
  readonly monolithicMaxSize: number;
  /** Bytes per PATCH; two chunks are held in memory. */
  readonly chunkSize: number;
  /**
   * Streams above `monolithicMaxSize` go in one streamed PUT (true) or in PATCH chunks (false). The
   * streamed PUT holds no chunk in memory and costs two requests however large the blob.
   */
  readonly streamedPut: boolean;
  /** What this client learned about the registry, shared by its repositories. */
  readonly learned: LearnedUploads;
}

export interface LearnedUploads {
  /**
   * Whether the registry takes a blob in one `POST ?digest=` (201), learned on the first small
   * upload; CNCF Distribution 2.x answers 202 and the upload continues with a PUT on that session.
   */
  monolithicPost: boolean | undefined;
}

/** Size up to which a blob may be sent in the POST that also learns whether the registry takes it. */
const PROBE_POST_MAX = 64 * 1024;

const octet = 'application/octet-stream';

/**
 * Opens a blob as a verified stream. When the connection drops or the body ends short, the rest is
 * requested again with `Range` (or the start skipped when the server ignores it), at most
 * `maxAttempts` times, so a long download survives a flaky network; every byte still goes through
 * one digest check. The first request happens before this returns, so a missing blob is a
 * `NotFoundError` from here, not from the stream.
 */
export async function openBlob(
  ctx: BlobContext,
  target: Descriptor,
  signal?: AbortSignal,
): Promise<Readable> {
  const url = new URL(`blobs/${target.digest}`, ctx.base);
  const open = (offset: number) =>
    ctx.client.call(
      {
        method: 'GET',
        url,
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        scopes: ctx.pullScopes,
        expect: [200, 206],
        idempotent: true,
        signal,
      },
      async (res) => skipTo(res, offset),
    );
  let first: Readable;
  try {
    first = await open(0);
  } catch (err) {
    if (hasStatus(err, 404))
      throw new NotFoundError(`${ctx.name}: blob ${target.digest} not found`, { cause: err });
    throw err;
  }
  const policy = ctx.client.retryPolicy;
  async function* resume(): AsyncGenerator<Buffer> {
    let body = first;
    let offset = 0;
    let failures = 0;
    try {
      for (;;) {
        let cause: unknown;
        try {
          for await (const chunk of body) {
            offset += (chunk as Buffer).byteLength;
            releaseEvery(chunk as Buffer);
            yield chunk as Buffer;
          }
          // A clean end short of the size means the server or a proxy cut the body.
          if (offset >= target.size) return;
        } catch (err) {
          if (!isNetworkError(err)) throw err;
          cause = err;
        }
        failures += 1;
        if (failures >= policy.maxAttempts) {
          if (cause === undefined) return; // the verifier reports the short read
          throw new RegistryError({ method: 'GET', url: redactUrl(url), status: undefined }, { cause });
        }
        body.destroy();
        await sleep(backoffDelay(policy, failures) ?? 0, signal);
        body = await open(offset);
      }
    } finally {
      body.destroy();
    }
  }
  const verifier = new VerifyingStream(target, `blob ${target.digest}`);
  const source = Readable.from(resume(), { objectMode: false });
  source.on('error', (err) => verifier.destroy(err));
  verifier.on('close', () => source.destroy());
  return source.pipe(verifier);
}

/** Positions a (possibly ranged) response at `offset`: 206 must start there, 200 is skipped into. */
function skipTo(res: HttpResponse, offset: number): Promise<Readable> {
  if (offset === 0 || res.status === 206) {
    if (res.status === 206) {
      const start = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '')?.[1];
      if (Number(start) !== offset) {
        res.body.destroy();
        return Promise.reject(
          new RegistryError(
            { method: 'GET', url: redactUrl(res.url), status: 206 },
            { hint: 'bad Content-Range' },
          ),
        );
      }
    }
    return Promise.resolve(res.body);
  }
  let toSkip = offset;
  async function* skipped(): AsyncGenerator<Buffer> {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      if (toSkip >= buf.byteLength) {
        toSkip -= buf.byteLength;
        continue;
      }
      yield toSkip > 0 ? buf.subarray(toSkip) : buf;
      toSkip = 0;
    }
  }
  const out = Readable.from(skipped(), { objectMode: false });
  out.on('close', () => res.body.destroy());
  return Promise.resolve(out);
}

/**
 * Uploads a blob the registry does not have yet (the caller has checked). Buffers and streams up to
 * `monolithicMaxSize` are read into memory, verified, and sent in one `POST ?digest=` where the
 * registry takes that, else in POST and PUT. Larger streams go in one streamed PUT (or PATCH chunks
 * of `chunkSize`), hashed on the way, and the upload is committed only if size and digest match.
 * Nothing that fails verification becomes visible: the session is cancelled. `session` is an upload
 * session the caller opened already (a mount that the registry answered with 202).
 */
export async function uploadBlob(
  ctx: BlobContext,
  expected: Descriptor,
  content: Readable | Uint8Array,
  signal?: AbortSignal,
  session?: URL,
): Promise<void> {
  if (content instanceof Uint8Array || expected.size <= ctx.monolithicMaxSize) {
    const bytes = content instanceof Uint8Array ? content : await readExactly(content, expected, signal);
    verifyBytes(bytes, expected, `blob ${expected.digest}`);
    await monolithic(ctx, expected, bytes, signal, session);
    return;
  }
  if (ctx.streamedPut) await streamed(ctx, expected, content, signal, session);
  else await chunked(ctx, expected, content, signal, session);
}

/**
 * Asks the registry to mount `digest` from repository `from` (this repository itself is fine: the
 * registry then only checks that it holds the blob). One request answers both questions: 201 means
 * the blob is here now; 202 opens the upload session to send it in.
 */
export async function mountOrStart(
  ctx: BlobContext,
  digest: string,
  from: string,
  fromScopes: readonly string[],
  signal?: AbortSignal,
): Promise<{ readonly mounted: true } | { readonly mounted: false; readonly session: URL }> {
  const url = new URL('blobs/uploads/', ctx.base);
  url.searchParams.set('mount', digest);
  url.searchParams.set('from', from);
  const res = await ctx.client.send({
    method: 'POST',
    url,
    headers: { 'content-length': '0' },
    scopes: [...ctx.pushScopes, ...fromScopes],
    expect: [201, 202],
    idempotent: true,
    signal,
  });
  return res.status === 201 ? { mounted: true } : { mounted: false, session: location(res) };
}

async function readExactly(
  stream: Readable,
  expected: Descriptor,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += buf.byteLength;
      if (total > expected.size) throw new SizeMismatchError(expected.size, total, `blob ${expected.digest}`);
      chunks.push(buf);
    }
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
  return Buffer.concat(chunks, total);
}

async function startSession(ctx: BlobContext, signal?: AbortSignal): Promise<HttpResponse> {
  return ctx.client.send({
    method: 'POST',
    url: new URL('blobs/uploads/', ctx.base),
    headers: { 'content-length': '0' },
    scopes: ctx.pushScopes,
    expect: [201, 202],
    idempotent: true, // a session nobody uses expires on the server; starting another is harmless
    signal,
  });
}

function location(res: HttpResponse): URL {
  const loc = header(res, 'location');
  if (!loc) {
    throw new RegistryError(
      { method: 'POST', url: redactUrl(res.url), status: res.status },
      { hint: 'the registry started an upload without a Location' },
    );
  }
  return new URL(loc, res.url);
}

/**
 * Commits an upload session under `digest`, with the last (or only) bytes when given. Not retried
 * here: a lost answer may mean it landed, which only the caller can check.
 */
async function putUpload(
  ctx: BlobContext,
  session: URL,
  digest: string,
  bytes: Uint8Array | undefined,
  signal?: AbortSignal,
) {
  const url = new URL(session);
  url.searchParams.set('digest', digest);
  await ctx.client.send({
    method: 'PUT',
    url,
    headers: { 'content-type': octet, 'content-length': String(bytes?.byteLength ?? 0) },
    ...(bytes ? { body: bytes } : {}),
    scopes: ctx.pushScopes,
    expect: [201, 204],
    idempotent: false,
    signal,
  });
}

/** Whether the blob is there now (after a commit whose answer we lost). */
async function blobExists(ctx: BlobContext, digest: string, signal?: AbortSignal): Promise<boolean> {
  const res = await ctx.client.send({
    method: 'HEAD',
    url: new URL(`blobs/${digest}`, ctx.base),
    scopes: ctx.pullScopes,
    expect: [200, 404],
    idempotent: true,
    signal,
  });
  return res.status === 200;
}

/**
 * One `POST ?digest=` with the body where the registry takes it (learned on the first small blob),
 * else POST then PUT with the whole body. An interrupted attempt (dropped connection, 5xx, the
 * session forgotten) restarts with a new session, after checking that the last commit did not land.
 */
async function monolithic(
  ctx: BlobContext,
  expected: Descriptor,
  bytes: Uint8Array,
  signal?: AbortSignal,
  opened?: URL,
) {
  const policy = ctx.client.retryPolicy;
  let given = opened;
  for (let attempt = 1; ; attempt++) {
    let session = given;
    given = undefined;
    if (!session) {
      const post =
        ctx.learned.monolithicPost === true ||
        (ctx.learned.monolithicPost === undefined && bytes.byteLength <= PROBE_POST_MAX);
      if (post) {
        const url = new URL('blobs/uploads/', ctx.base);
        url.searchParams.set('digest', expected.digest);
        const res = await ctx.client.send({
          method: 'POST',
          url,
          headers: { 'content-type': octet, 'content-length': String(bytes.byteLength) },
          body: bytes,
          scopes: ctx.pushScopes,
          expect: [201, 202],
          idempotent: true, // the same bytes under their own digest
          signal,
        });
        ctx.learned.monolithicPost = res.status === 201;
        if (res.status === 201) return;
        session = location(res);
      } else session = location(await startSession(ctx, signal));
    }
    try {
      await putUpload(ctx, session, expected.digest, bytes, signal);
      return;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!restartable(err) || attempt >= policy.maxAttempts) throw err;
      if (await blobExists(ctx, expected.digest, signal)) return;
      await sleep(backoffDelay(policy, attempt, (err as RegistryError).retryAfter) ?? 0, signal);
    }
  }
}

/**
 * One PUT whose body is the stream itself, `Content-Length` the expected size, hashed as it goes: no
 * chunk is held, so memory stays flat however large the blob. The registry checks the digest it is
 * given; a stream that runs long or short, or whose digest differs, fails the request here first,
 * and the session is cancelled. A stream cannot be sent twice: a failure is final (the caller may
 * push again).
 */
async function streamed(
  ctx: BlobContext,
  expected: Descriptor,
  stream: Readable,
  signal?: AbortSignal,
  opened?: URL,
) {
  const session = opened ?? location(await startSession(ctx, signal));
  // A source that checks these very bytes itself (a CTF or registry blob) is not hashed again.
  const verifier = isVerified(stream, expected)
    ? undefined
    : new VerifyingStream(expected, `blob ${expected.digest}`);
  if (verifier) stream.on('error', (err) => verifier.destroy(err));
  let used = false;
  const body = () => {
    if (used) throw new RegistryError({ method: 'PUT', url: redactUrl(session), status: undefined });
    used = true;
    const out = verifier ? stream.pipe(verifier) : stream;
    // The transport pipes `out` into the request; a second 'data' reader only counts.
    out.on('data', releaseEvery);
    return out;
  };
  let committed = false;
  try {
    const url = new URL(session);
    url.searchParams.set('digest', expected.digest);
    await ctx.client.send({
      method: 'PUT',
      url,
      headers: { 'content-type': octet, 'content-length': String(expected.size) },
      body,
      scopes: ctx.pushScopes,
      expect: [201, 204],
      idempotent: false,
      signal,
    });
    committed = true;
  } catch (err) {
    // The verifier's own finding says more than the aborted request it caused.
    const found = verifier?.errored ?? (stream.errored as Error | null);
    if (found && (found instanceof DigestMismatchError || found instanceof SizeMismatchError)) throw found;
    if (signal?.aborted) throw signal.reason;
    // A lost answer: the blob may be there.
    if (await blobExists(ctx, expected.digest, signal).catch(() => false)) {
      committed = true;
      return;
    }
    throw found ?? err;
  } finally {
    if (!stream.destroyed) stream.destroy();
    if (!committed) await cancel(ctx, session);
  }
}

/** A failed upload step worth a new session: temporary failures and a forgotten session. */
function restartable(err: unknown): boolean {
  return err instanceof RegistryError && (err.temporary || err.status === 404 || err.status === 416);
}

/**
 * PATCH chunks of `chunkSize` read from the stream (one chunk in memory at a time), then PUT with
 * the digest. A chunk whose PATCH fails is resumed from what the upload status (`GET` on the
 * session) says arrived, which also recovers from 416. If the session itself is lost after the first
 * chunk, the bytes are gone from the stream and the upload fails with the registry's error.
 */
async function chunked(
  ctx: BlobContext,
  expected: Descriptor,
  stream: Readable,
  signal?: AbortSignal,
  opened?: URL,
) {
  // A source that checks these very bytes itself is not hashed again; it fails instead of ending.
  const digester = isVerified(stream, expected)
    ? undefined
    : new Digester(parseDigest(expected.digest).algorithm);
  let session = opened ?? location(await startSession(ctx, signal));
  let offset = 0;
  let committed = false;
  try {
    const chunks = rechunk(stream, ctx.chunkSize);
    // The next chunk is read while this one is sent: two buffers, used in turn.
    let next = chunks.next();
    next.catch(() => undefined);
    for (;;) {
      const item = await next;
      if (item.done) break;
      const chunk = item.value;
      next = chunks.next();
      next.catch(() => undefined);
      signal?.throwIfAborted();
      if (offset + chunk.byteLength > expected.size) {
        throw new SizeMismatchError(expected.size, offset + chunk.byteLength, `blob ${expected.digest}`);
      }
      digester?.update(chunk.bytes);
      for (let restarts = 0; ; restarts++) {
        try {
          session = await patchChunk(ctx, session, chunk, offset, signal);
          break;
        } catch (err) {
          if (!(err instanceof SessionLost)) throw err;
          // Only the first chunk is still in hand: later ones would need bytes the stream no longer has.
          if (offset > 0 || restarts + 1 >= ctx.client.retryPolicy.maxAttempts) {
            throw new RegistryError(
              {
                method: 'PATCH',
                url: redactUrl(session),
                status: err.cause.status,
                errors: err.cause.errors,
              },
              {
                cause: err.cause,
                hint: `the registry dropped the upload session after ${offset} bytes of a stream; push the blob again`,
              },
            );
          }
          await cancel(ctx, session);
          session = location(await startSession(ctx, signal));
        }
      }
      offset += chunk.byteLength;
    }
    if (offset !== expected.size)
      throw new SizeMismatchError(expected.size, offset, `blob ${expected.digest}`);
    const actual = digester?.digest() ?? expected.digest;
    if (actual !== expected.digest)
      throw new DigestMismatchError(expected.digest, actual, `blob ${expected.digest}`);
    await commit(ctx, session, expected.digest, signal);
    committed = true;
  } finally {
    if (!stream.destroyed) stream.destroy();
    if (!committed) await cancel(ctx, session);
  }
}

/**
 * The bytes of one PATCH. `rechunk` fills two buffers in turn, so memory stays at two chunks however
 * large the blob (fresh buffers per chunk pile up as garbage faster than the collector frees them)
 * while the next chunk is read during the upload of this one. A chunk is valid until the consumer
 * asks for the chunk after the next.
 */
interface Chunk {
  readonly bytes: Buffer;
  readonly byteLength: number;
}

async function* rechunk(stream: Readable, size: number): AsyncGenerator<Chunk> {
  const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  let turn = 0;
  let buffer = buffers[0]!;
  let length = 0;
  for await (const c of stream) {
    let buf = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    while (buf.byteLength > 0) {
      const take = Math.min(size - length, buf.byteLength);
      buf.copy(buffer, length, 0, take);
      length += take;
      buf = buf.subarray(take);
      if (length === size) {
        yield { bytes: buffer, byteLength: size };
        turn = 1 - turn;
        buffer = buffers[turn]!;
        length = 0;
      }
    }
  }
  if (length) yield { bytes: buffer.subarray(0, length), byteLength: length };
}

async function patchChunk(
  ctx: BlobContext,
  session: URL,
  chunk: Chunk,
  offset: number,
  signal?: AbortSignal,
) {
  const policy = ctx.client.retryPolicy;
  let sent = 0; // bytes of this chunk the registry holds
  for (let attempt = 1; ; attempt++) {
    const length = chunk.byteLength - sent;
    const start = offset + sent;
    const part = chunk.bytes.subarray(sent);
    const req: ClientRequest = {
      method: 'PATCH',
      url: session,
      headers: {
        'content-type': octet,
        'content-length': String(length),
        'content-range': `${start}-${start + length - 1}`,
      },
      body: part,
      scopes: ctx.pushScopes,
      expect: [202, 204],
      idempotent: false,
      signal,
    };
    let failure: unknown;
    try {
      return location(await ctx.client.send(req));
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!(restartable(err) || isNetworkError(err)) || attempt >= policy.maxAttempts) throw err;
      if (hasStatus(err, 404)) throw new SessionLost(err);
      failure = err;
    }
    await sleep(backoffDelay(policy, attempt, (failure as RegistryError).retryAfter) ?? 0, signal);
    let status: { location: URL; received: number };
    try {
      status = await uploadStatus(ctx, session, signal);
    } catch (err) {
      // Distribution cancels a session asked about with a stale state (a PATCH whose answer was lost).
      if (hasStatus(err, 404)) throw new SessionLost(err);
      throw err;
    }
    session = status.location;
    const have = status.received - offset;
    if (have < 0 || have > chunk.byteLength) throw failure;
    if (have === chunk.byteLength) return session;
    sent = have;
  }
}

/** The registry no longer knows an upload session (404 on it). */
class SessionLost extends Error {
  override readonly cause: RegistryError;
  constructor(cause: RegistryError) {
    super('upload session lost');
    this.cause = cause;
  }
}

/** `GET` on an upload session: how many bytes the registry holds (`Range: 0-<last>`). */
async function uploadStatus(ctx: BlobContext, session: URL, signal?: AbortSignal) {
  const res = await ctx.client.send({
    method: 'GET',
    url: session,
    scopes: ctx.pushScopes,
    expect: [204],
    idempotent: true,
    signal,
  });
  const range = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
  const offsetHeader = header(res, 'docker-upload-offset') ?? header(res, 'oci-upload-offset');
  // Distribution answers `0-0` for an empty session too; a session holding exactly one byte is
  // rarer than one holding none, and resending that byte fails typed rather than corrupting.
  const last = range ? Number(range[1]) : undefined;
  const received = last !== undefined ? (last === 0 ? 0 : last + 1) : offsetHeader ? Number(offsetHeader) : 0;
  return { location: header(res, 'location') ? location(res) : session, received };
}

async function commit(ctx: BlobContext, session: URL, digest: string, signal?: AbortSignal) {
  const policy = ctx.client.retryPolicy;
  for (let attempt = 1; ; attempt++) {
    try {
      await putUpload(ctx, session, digest, undefined, signal);
      return;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      // The commit may have landed with its answer lost: then the session is gone and the blob is there.
      if (await blobExists(ctx, digest, signal).catch(() => false)) return;
      if (!(err instanceof RegistryError && err.temporary) || attempt >= policy.maxAttempts) throw err;
      await sleep(backoffDelay(policy, attempt, err.retryAfter) ?? 0, signal);
    }
  }
}

async function cancel(ctx: BlobContext, session: URL): Promise<void> {
  try {
    await ctx.client.send({
      method: 'DELETE',
      url: session,
      scopes: ctx.pushScopes,
      expect: [204, 202, 200, 404],
      idempotent: true,
    });
  } catch {
    // Best effort: an abandoned session expires on the server and holds nothing visible.
  }
}

/**
 * Memory of long streams. Every chunk a socket or file delivers is a fresh buffer outside the
 * JavaScript heap, freed only when a garbage collection finds its small wrapper dead; V8 waits for
 * about 64 MiB of such memory before it collects, so a streamed transfer of any size held ~50 MiB of
 * dead chunks. Where the process exposes `gc` (`node --expose-gc`; the `ocm` binary does), a
 * young-generation collection (well under a millisecond) every 4 MiB streamed keeps that near 4 MiB.
 * A library never changes the flags of the process it runs in: without `gc`, nothing is collected
 * early and nothing else changes.
 */
const RELEASE_EVERY = 4 * 1024 * 1024;
let streamedSinceRelease = 0;

function releaseEvery(chunk: Buffer): void {
  streamedSinceRelease += chunk.byteLength;
  if (streamedSinceRelease < RELEASE_EVERY) return;
  streamedSinceRelease = 0;
  (globalThis as { gc?: (options: { type: string }) => void }).gc?.({ type: 'minor' });
}
