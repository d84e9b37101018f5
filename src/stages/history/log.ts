/**
 * Reading and writing the `_ocm.history` head of one component on its OCI store (shape: codec.ts).
 * Knows no backend: on a CTF the caller runs `appendEvents` inside the batch that moves the alias (one
 * index write under the lock); a store without atomic writes records pending entries instead
 * (pending.ts), which a fold (fold.ts) writes into the head.
 */
import type { KeyObject } from 'node:crypto';
import { NotFoundError } from '../../errors.js';
import { canDelete, canPushReference } from '../../oci/content/guards.js';
import { fetchAll, fetchManifest } from '../../oci/content/read.js';
import type { OperationOptions, Store } from '../../oci/content/storage.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { digestOf, parseDigest } from '../../oci/digest.js';
import { parseManifest } from '../../oci/manifest.js';
import type { JournalEntry } from '../../repository/journal.js';
import {
  type AliasState,
  CHUNK_TARGET_BYTES,
  type ChunkRef,
  decodeEvents,
  decodeHead,
  encodeChunk,
  encodeHead,
  HISTORY_TAG,
  type HistoryHead,
  historyConfig,
  MAX_CHUNK_BYTES,
  RECENT_KEEP,
  RECENT_MAX,
} from './codec.js';
import { HistoryIntegrityError, HistoryTooLargeError, MalformedHistoryError } from './errors.js';
import { eventHash, type HistoryEvent } from './model.js';
import type { PendingEvent } from './pending.js';
import { signEvent } from './signed.js';

/** Bytes a full read holds at most, manifest and chunks together. Default 64 MiB. */
export const DEFAULT_MAX_HISTORY_BYTES = 64 * 1024 * 1024;

export interface ReadHistoryOptions extends OperationOptions {
  readonly maxBytes?: number;
}

/** The history manifest of a component's store, or undefined when it has none. One request. */
export async function readHead(
  store: Store,
  component: string,
  options: OperationOptions = {},
): Promise<HistoryHead | undefined> {
  let descriptor: Descriptor;
  let bytes: Uint8Array;
  try {
    ({ descriptor, bytes } = await fetchManifest(store, HISTORY_TAG, options));
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  if (digestOf(bytes, parseDigest(descriptor.digest).algorithm) !== descriptor.digest)
    throw new MalformedHistoryError(`${component}: the history manifest does not match its digest`);
  let manifest: ReturnType<typeof parseManifest>;
  try {
    manifest = parseManifest(bytes, descriptor.mediaType);
  } catch (cause) {
    throw new MalformedHistoryError(`${component}: the history manifest is not a manifest`, { cause });
  }
  return decodeHead(component, { ...descriptor, size: bytes.byteLength }, manifest);
}

/** Reads and decodes one sealed chunk, checking its count and newest hash against the manifest. */
async function readChunk(store: Store, component: string, ref: ChunkRef, options: OperationOptions) {
  const bytes = await fetchAll(store, ref.descriptor, { ...options, maxSize: MAX_CHUNK_BYTES });
  const events = decodeEvents(
    Buffer.from(bytes).toString('utf8'),
    `${component}: history chunk ${ref.descriptor.digest}`,
  );
  if (events.length !== ref.count)
    throw new MalformedHistoryError(
      `${component}: history chunk ${ref.descriptor.digest} holds ${events.length} events, the manifest says ${ref.count}`,
    );
  return events;
}

export interface PositionedEvent {
  readonly event: HistoryEvent;
  /** 1 for the oldest event. */
  readonly position: number;
}

/**
 * Walks the events newest first, reading chunks only when the walk reaches them, and checks the hash
 * chain on the way: each event must hash to what the event after it (or the manifest) records as
 * `previous`, and the oldest must have none. Stop early by breaking out of the loop.
 */
export async function* walkNewestFirst(
  store: Store,
  component: string,
  head: HistoryHead,
  options: ReadHistoryOptions = {},
): AsyncGenerator<PositionedEvent> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_HISTORY_BYTES;
  let bytes = head.descriptor.size;
  if (bytes > maxBytes) throw new HistoryTooLargeError(component, maxBytes);
  let expected: string | null = head.count === 0 ? null : head.head;
  let position = head.count;
  const segments: (() => Promise<readonly HistoryEvent[]>)[] = [async () => head.recent];
  for (const ref of head.chunks) {
    segments.push(async () => {
      bytes += ref.descriptor.size;
      if (bytes > maxBytes) throw new HistoryTooLargeError(component, maxBytes);
      if (expected !== ref.last)
        throw new HistoryIntegrityError(
          component,
          position,
          'the chunk that holds it is not the one the newer events name',
        );
      return readChunk(store, component, ref, options);
    });
  }
  for (const load of segments) {
    const events = await load();
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i]!;
      if (position < 1)
        throw new HistoryIntegrityError(component, 1, 'more events are stored than the manifest counts');
      if (expected === null || eventHash(event) !== expected) {
        throw new HistoryIntegrityError(
          component,
          position,
          expected === null
            ? 'the oldest event names a previous one: earlier events were removed'
            : `it does not hash to what ${position === head.count ? 'the manifest' : `event ${position + 1}`} records (edited, removed or reordered)`,
        );
      }
      yield { event, position };
      expected = event.previous;
      position--;
    }
  }
  if (position !== 0)
    throw new HistoryIntegrityError(component, position, 'the manifest counts more events than are stored');
  if (expected !== null)
    throw new HistoryIntegrityError(
      component,
      1,
      'the oldest event names a previous one: earlier events were removed',
    );
}

/**
 * Every event of the head, newest first, with the whole chain verified. Summary annotations that
 * earlier versions wrote (`software.ocm.history.aliases`) are not covered by the chain and are never
 * read: every answer comes from verified events.
 */
export async function readWholeHistory(
  store: Store,
  component: string,
  options: ReadHistoryOptions = {},
): Promise<{ head: HistoryHead | undefined; events: HistoryEvent[] }> {
  const head = await readHead(store, component, options);
  if (!head) return { head, events: [] };
  const events: HistoryEvent[] = [];
  for await (const { event } of walkNewestFirst(store, component, head, options)) events.push(event);
  return { head, events };
}

/** Folds events (oldest first) into each alias's newest target. */
export function aliasStates(
  base: Readonly<Record<string, AliasState>> | readonly [],
  eventsOldestFirst: readonly HistoryEvent[],
): Record<string, AliasState> {
  const out: Record<string, AliasState> = Array.isArray(base)
    ? {}
    : { ...(base as Record<string, AliasState>) };
  for (const e of eventsOldestFirst) {
    if (e.alias === null) continue;
    out[e.alias] = { to: e.to, time: e.time };
  }
  return out;
}

type Move = JournalEntry;

export interface EventOptions {
  readonly now: () => Date;
  readonly actor: string;
  readonly message: string | undefined;
  readonly tool: string;
  /** Signs each event (signed.ts). */
  readonly signingKey?: KeyObject | undefined;
}

/** The events of `moves`, without `previous` (set when they are chained). */
export function pendingEvents(moves: readonly Move[], options: EventOptions): PendingEvent[] {
  const time = options.now().toISOString();
  return moves.map((m) => {
    const event: PendingEvent = {
      alias: m.alias,
      from: m.from,
      to: m.to,
      operation: m.operation,
      time,
      actor: options.actor,
      message: options.message ?? null,
      tool: options.tool,
      ...(m.details === undefined ? {} : { details: m.details as HistoryEvent['details'] }),
    };
    return options.signingKey ? signEvent(event, options.signingKey) : event;
  });
}

/** Chains events after `previous` (the hash of the newest event before them, null for none). */
export function chain(previous: string | null, events: readonly PendingEvent[]): HistoryEvent[] {
  let prev = previous;
  return events.map((e) => {
    const event: HistoryEvent = { ...e, previous: prev };
    prev = eventHash(event);
    return event;
  });
}

/** Checks the recent events (in the manifest) against the manifest's head hash: no chunk is read. */
export function checkRecent(component: string, head: HistoryHead): void {
  let expected: string | null = head.head;
  let position = head.count;
  for (let i = head.recent.length - 1; i >= 0; i--, position--) {
    const event = head.recent[i]!;
    if (eventHash(event) !== expected)
      throw new HistoryIntegrityError(
        component,
        position,
        'it does not hash to what the newer event records',
      );
    expected = event.previous;
  }
  const older = head.chunks[0];
  if (older ? expected !== older.last : expected !== null)
    throw new HistoryIntegrityError(component, position + 1, 'it does not follow the newest sealed chunk');
}

/**
 * Appends events for `moves` (one per move, in order) inside an atomic unit (a CTF batch, which also
 * holds the moves) and returns them. Rewrites only the manifest, plus, once every 64 events, the
 * newest sealed chunk. A history whose recent part does not verify is not extended
 * (`HistoryIntegrityError`): appending would hide the break.
 */
export async function appendEvents(
  store: Store,
  component: string,
  moves: readonly Move[],
  options: EventOptions & OperationOptions,
): Promise<HistoryEvent[]> {
  const head = await currentHead(store, component, options);
  if (head) checkRecent(component, head);
  const events = chain(head && head.count > 0 ? head.head : null, pendingEvents(moves, options));
  await writeHead(store, component, head, events, { ...options, atomic: true });
  return events;
}

export interface WriteHeadOptions extends OperationOptions {
  /** Inside an atomic unit: the superseded manifest is dropped in the same write. */
  readonly atomic: boolean;
  /** The pending entries the new head holds (fold.ts); default: the old head's. */
  readonly folded?: ReadonlySet<string>;
}

/**
 * Heads this process wrote, by manifest digest. A digest names exactly the bytes written, so a head
 * found here is what reading and decoding them would give: the next append on a CTF resolves the tag
 * (in memory) and reuses it instead of reading, hashing, parsing and decoding a manifest of up to
 * 128 events again. A few at most; the oldest goes first.
 */
const written = new Map<string, HistoryHead>();
const WRITTEN_MAX = 16;

function remember(head: HistoryHead): void {
  if (written.size >= WRITTEN_MAX) written.delete(written.keys().next().value!);
  written.set(head.descriptor.digest, head);
}

/** The head under the tag now: one this process wrote when the tag still names it, else read. */
async function currentHead(
  store: Store,
  component: string,
  options: OperationOptions,
): Promise<HistoryHead | undefined> {
  if (written.size > 0) {
    let digest: string;
    try {
      digest = (await store.resolve(HISTORY_TAG, options)).digest;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    const known = written.get(digest);
    if (known) return known;
  }
  return readHead(store, component, options);
}

/** Writes the head that follows `head` with `events` (already chained onto it) appended. */
export async function writeHead(
  store: Store,
  component: string,
  head: HistoryHead | undefined,
  events: readonly HistoryEvent[],
  options: WriteHeadOptions,
): Promise<Descriptor> {
  let recent = [...(head?.recent ?? []), ...events];
  let chunks = [...(head?.chunks ?? [])];
  if (recent.length > RECENT_MAX) {
    const sealed = recent.slice(0, recent.length - RECENT_KEEP);
    recent = recent.slice(recent.length - RECENT_KEEP);
    const last = eventHash(sealed.at(-1)!);
    const newestChunk = chunks[0];
    let chunk: ReturnType<typeof encodeChunk>;
    let count = sealed.length;
    if (newestChunk && newestChunk.descriptor.size < CHUNK_TARGET_BYTES) {
      const older = await readChunk(store, component, newestChunk, options);
      chunk = encodeChunk([...older, ...sealed], last);
      count += older.length;
      chunks = chunks.slice(1);
    } else {
      chunk = encodeChunk(sealed, last);
    }
    await store.push(chunk.descriptor, chunk.bytes, options);
    chunks = [{ descriptor: chunk.descriptor, count, last }, ...chunks];
  }
  const newest = events.at(-1);
  const next = {
    count: (head?.count ?? 0) + events.length,
    head: newest ? eventHash(newest) : (head?.head ?? ''),
    recent,
    chunks,
    folded: options.folded ?? head?.folded ?? new Set<string>(),
  };
  const manifest = encodeHead(next);
  if (!head) await store.push(historyConfig.descriptor, historyConfig.bytes, options);
  if (canPushReference(store)) {
    // One request on a registry instead of two (PUT by digest, PUT by tag).
    await store.pushReference(manifest.descriptor, manifest.bytes, HISTORY_TAG, options);
  } else {
    await store.push(manifest.descriptor, manifest.bytes, options);
    await store.tag(manifest.descriptor, HISTORY_TAG, options);
  }
  remember({ ...next, descriptor: manifest.descriptor });
  // Under a batch, drop the superseded manifest and its bytes in the same write, so that a CTF grows
  // neither by one index entry nor by one blob per append; elsewhere it is garbage the registry collects.
  if (options.atomic && head && canDelete(store) && head.descriptor.digest !== manifest.descriptor.digest) {
    try {
      await store.delete(head.descriptor, { ...options, unshared: true });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return manifest.descriptor;
}
