/**
 * Pending history entries: how a store without atomic writes (a registry) records alias moves
 * without ever overwriting another writer's record (docs/history.md, "Concurrency and crashes").
 *
 * Before it moves anything, a writer pushes one immutable manifest (an *entry*: the events of its
 * moves, without `previous`) under a tag of its own, `_ocm.he.<time>.<hex>`, where `<hex>` is the
 * entry manifest's SHA-256: no two writers ever write the same tag, and the tag names the content,
 * so a reader can fetch it by digest (from the content cache when warm). After the moves it tags the
 * same manifest `<tag>.d` (done). A fold (fold.ts) later takes the entries into the `_ocm.history`
 * head, where the hash chain is formed.
 *
 * An entry that is not marked done was cut off (or is still in flight); `resolveEntries` decides
 * from where its aliases point now whether its moves happened.
 */

import { randomBytes } from 'node:crypto';
import { canonicalJson, isPlainObject } from '../../descriptor/normalisation/index.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { digestOf } from '../../oci/digest.js';
import type { ImageManifest, Manifest } from '../../oci/manifest.js';
import { isImageIndex, MAX_MANIFEST_SIZE } from '../../oci/manifest.js';
import type { AliasTarget } from '../../repository/journal.js';
import { HISTORY_CONFIG_MEDIA_TYPE, historyConfig } from './codec.js';
import { MalformedHistoryError } from './errors.js';
import type { HistoryEvent } from './model.js';
import { toEvent } from './model.js';

/** Prefix of every entry tag. */
export const ENTRY_TAG_PREFIX = '_ocm.he.';
/** Suffix of the tag that marks an entry done (its moves happened). */
export const DONE_SUFFIX = '.d';
export const ENTRY_ANNOTATION = 'software.ocm.history.entry';
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
/** Largest entry manifest a reader accepts: a manifest's limit (thousands of moves in one command). */
export const MAX_ENTRY_BYTES = MAX_MANIFEST_SIZE;

/** An event as a writer records it: everything but `previous`, which the fold sets. */
export type PendingEvent = Omit<HistoryEvent, 'previous'>;

export interface EntryRef {
  /** The entry tag, `_ocm.he.<time>.<hex>`. */
  readonly tag: string;
  /** Its manifest digest (from the tag name). */
  readonly digest: string;
  /** Milliseconds since the epoch (wall clock, from the tag name): when the writer began. */
  readonly time: number;
  readonly done: boolean;
}

export interface PendingEntry extends EntryRef {
  readonly events: readonly PendingEvent[];
}

const TAG = /^_ocm\.he\.(\d{8}T\d{12}Z)\.([0-9a-f]{64})$/;

let lastMicros = 0;

/**
 * Microseconds since the epoch from the wall clock, strictly increasing within this process, so
 * that the entries of one writer sort in the order it wrote them. (Event times come from the
 * journal's clock, which tests inject; the order of entries never does.)
 */
export function entryClock(): number {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastMicros = Math.max(micros, lastMicros + 1);
  return lastMicros;
}

function stamp(micros: number): string {
  const date = new Date(Math.floor(micros / 1000));
  const sub = String(micros % 1000).padStart(3, '0');
  return `${date.toISOString().replace(/[-:]/g, '').replace('.', '').slice(0, -1)}${sub}Z`;
}

/** Milliseconds since the epoch (fractional) of a tag's time. */
function parseStamp(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})(\d{3})Z$/.exec(text);
  return m
    ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!) + +m[8]! / 1000
    : Number.NaN;
}

/** The manifest of an entry and the tag it goes under. */
export function encodeEntry(
  events: readonly PendingEvent[],
  micros: number = entryClock(),
): { descriptor: Descriptor; bytes: Uint8Array; tag: string } {
  // The nonce keeps two identical moves at the same millisecond apart.
  const body = canonicalJson({ events: events as never, nonce: randomBytes(8).toString('hex') });
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: historyConfig.descriptor,
    layers: [],
    annotations: { [ENTRY_ANNOTATION]: body },
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const digest = digestOf(bytes);
  return {
    bytes,
    descriptor: { mediaType: MANIFEST_MEDIA_TYPE, digest, size: bytes.byteLength },
    tag: `${ENTRY_TAG_PREFIX}${stamp(micros)}.${digest.slice('sha256:'.length)}`,
  };
}

/**
 * The entries among `tags`, oldest first (by the time in the tag, then the digest): the order does
 * not depend on the order the registry lists tags in, which Distribution 2.8 does not sort.
 */
export function entryRefs(tags: readonly string[]): EntryRef[] {
  const done = new Set<string>();
  const started = new Map<string, EntryRef>();
  for (const tag of tags) {
    if (!tag.startsWith(ENTRY_TAG_PREFIX)) continue;
    const base = tag.endsWith(DONE_SUFFIX) ? tag.slice(0, -DONE_SUFFIX.length) : tag;
    const m = TAG.exec(base);
    if (!m) continue;
    const time = parseStamp(m[1]!);
    if (Number.isNaN(time)) continue;
    if (base !== tag) done.add(base);
    if (!started.has(base)) started.set(base, { tag: base, digest: `sha256:${m[2]}`, time, done: false });
  }
  return [...started.values()]
    .map((r) => (done.has(r.tag) ? { ...r, done: true } : r))
    .sort((a, b) => a.time - b.time || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}

/** Decodes an entry manifest (already checked against its digest); anything else is malformed. */
export function decodeEntry(ref: EntryRef, manifest: Manifest): PendingEntry {
  const where = `history entry ${ref.tag}`;
  if (isImageIndex(manifest) || manifest.config.mediaType !== HISTORY_CONFIG_MEDIA_TYPE)
    throw new MalformedHistoryError(`${where}: not a history entry`);
  const text = manifest.annotations?.[ENTRY_ANNOTATION];
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch (cause) {
    throw new MalformedHistoryError(`${where}: bad entry annotation`, { cause });
  }
  if (!isPlainObject(value) || !Array.isArray(value.events) || value.events.length === 0)
    throw new MalformedHistoryError(`${where}: no events`);
  const events = value.events.map((e, i) => {
    if (!isPlainObject(e) || 'previous' in e)
      throw new MalformedHistoryError(`${where}, event ${i + 1}: not a pending event`);
    const { previous: _, ...rest } = toEvent({ ...e, previous: null }, `${where}, event ${i + 1}`);
    return rest;
  });
  return { ...ref, events };
}

/** An entry event whose move is taken to have happened, with the entry it came from. */
export interface ConfirmedEvent {
  readonly entry: PendingEntry;
  readonly event: PendingEvent;
}

export interface Resolution {
  /** Events whose moves happened, in the order they are folded (oldest first). */
  readonly confirmed: readonly ConfirmedEvent[];
  /** Entries not done and not confirmed that may still be in flight: left for a later fold. */
  readonly waiting: readonly PendingEntry[];
  /** Entries not done, confirmed by nothing and older than the grace time: their moves never happened. */
  readonly abandoned: readonly PendingEntry[];
}

const key = (t: AliasTarget | null) => t?.digest ?? null;

/**
 * Which moves of `entries` (oldest first) happened. An entry marked done: all of them. An event of an
 * entry that is not done: when something later shows its target was reached: the alias points at it
 * now, or a later confirmed event moved the alias away from it. Each target explains one event only,
 * so a rerun of a command that was cut off before it moved (two entries, the same move) is recorded
 * once. `current` holds where each alias of an unfinished entry points now (null: absent); an alias
 * missing from it is not known and confirms nothing.
 *
 * Racing writers may have moved one alias in another order than their entries were begun: the event
 * whose target the alias holds now is put last, so the history ends where the alias is.
 */
export function resolveEntries(
  entries: readonly PendingEntry[],
  current: ReadonlyMap<string, string | null>,
  now: number,
  graceMs: number,
): Resolution {
  // Walk newest first, per alias, with the targets the alias is known to have held afterwards.
  const known = new Map<string, (string | null)[]>();
  for (const [alias, digest] of current) known.set(alias, [digest]);
  const accepted = new Set<PendingEvent>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    for (let j = entry.events.length - 1; j >= 0; j--) {
      const e = entry.events[j]!;
      if (e.alias === null) {
        if (entry.done) accepted.add(e);
        continue;
      }
      const held = known.get(e.alias);
      const at = held?.indexOf(key(e.to)) ?? -1;
      if (!entry.done && at < 0) continue;
      accepted.add(e);
      if (held && at >= 0) held.splice(at, 1);
      if (held) held.push(key(e.from));
      else if (entry.done) known.set(e.alias, [key(e.from)]);
    }
  }
  const confirmed: ConfirmedEvent[] = [];
  const waiting: PendingEntry[] = [];
  const abandoned: PendingEntry[] = [];
  for (const entry of entries) {
    const mine = entry.events.filter((e) => accepted.has(e));
    for (const event of mine) confirmed.push({ entry, event });
    if (mine.length === 0 && !entry.done) (now - entry.time >= graceMs ? abandoned : waiting).push(entry);
  }
  // The alias ends where it is: move the event that set its current target to the end.
  for (const [alias, digest] of current) {
    const mine = confirmed.filter((c) => c.event.alias === alias);
    if (mine.length < 2 || key(mine.at(-1)!.event.to) === digest) continue;
    const last = mine.findLast((c) => key(c.event.to) === digest);
    if (!last) continue;
    confirmed.splice(confirmed.indexOf(last), 1);
    confirmed.push(last);
  }
  return { confirmed, waiting, abandoned };
}

/**
 * The confirmed events a fold may write now, in order. A waiting entry (unfinished, not confirmed) is
 * judged by the entries after it, which `resolveEntries` walks newest first: were those of its aliases
 * folded, a later reader would see the waiting entry alone and take the alias's return to that target
 * (the rerun of a command cut off before its move, then later moves) for its move, a second event.
 * So an entry that moves an alias with an older waiting entry stays unfolded until that one is
 * confirmed or abandoned (the grace time at most).
 */
export function foldable(entries: readonly PendingEntry[], resolution: Resolution): ConfirmedEvent[] {
  const waiting = new Set(resolution.waiting);
  const oldestWaiting = new Map<string, number>();
  entries.forEach((entry, i) => {
    if (!waiting.has(entry)) return;
    for (const e of entry.events)
      if (e.alias !== null && !oldestWaiting.has(e.alias)) oldestWaiting.set(e.alias, i);
  });
  const held = new Set<PendingEntry>();
  entries.forEach((entry, i) => {
    if (entry.events.some((e) => e.alias !== null && (oldestWaiting.get(e.alias) ?? i) < i)) held.add(entry);
  });
  return resolution.confirmed.filter((c) => !held.has(c.entry));
}
