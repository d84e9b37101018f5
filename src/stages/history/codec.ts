/**
 * The stored shape of an alias history (docs/history.md): an OCI image manifest under the reserved
 * tag `_ocm.history` in the component's own repository.
 *
 * - config: a constant blob of media type `application/vnd.ocm.software.alias-history.config.v1+json`,
 *   which is what identifies the manifest as a history;
 * - annotation `software.ocm.history.recent`: the newest events (64 to 128 of them, JSON lines, oldest
 *   first), so the newest events cost one manifest GET and an append rewrites no blob;
 * - layers: sealed chunks of older events (JSON lines, oldest first within a chunk), newest chunk
 *   first; every chunk is a layer of the tagged manifest, so registry garbage collection keeps it;
 * - annotations `events` (the count), `head` (hash of the newest event) and `aliases` (each alias's
 *   newest recorded target and time, for reconciliation and "since when" without reading chunks).
 */
import type { Descriptor } from '../../oci/descriptor.js';
import { digestOf, isValidDigest } from '../../oci/digest.js';
import { type ImageManifest, isImageIndex, type Manifest } from '../../oci/manifest.js';
import type { AliasTarget } from '../../repository/journal.js';
import { MalformedHistoryError } from './errors.js';
import { eventForm, type HistoryEvent, toEvent } from './model.js';

export const HISTORY_TAG = '_ocm.history';
export const HISTORY_CONFIG_MEDIA_TYPE = 'application/vnd.ocm.software.alias-history.config.v1+json';
export const HISTORY_CHUNK_MEDIA_TYPE = 'application/vnd.ocm.software.alias-history.events.v1+jsonl';
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export const Annotation = {
  events: 'software.ocm.history.events',
  head: 'software.ocm.history.head',
  recent: 'software.ocm.history.recent',
  /** Written by earlier versions: each alias's newest target. Not covered by the chain: never read. */
  aliases: 'software.ocm.history.aliases',
  /** Digests of the pending entries (pending.ts) this history holds and whose tags may remain. */
  folded: 'software.ocm.history.folded',
  /** On a chunk layer: the hash of its newest event. */
  last: 'software.ocm.history.last',
} as const;

/** Events kept in the manifest: when an append takes them past `RECENT_MAX`, all but `RECENT_KEEP` are sealed. */
export const RECENT_KEEP = 64;
export const RECENT_MAX = 128;
/**
 * A sealed chunk grows (is rewritten with the newly sealed events) until it reaches this size: small
 * enough that a rewrite costs little (history writes stay O(1) per event), large enough that the
 * manifest lists few chunks (about 800 events each).
 */
export const CHUNK_TARGET_BYTES = 256 * 1024;
/** Largest chunk a reader accepts. */
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;

const configBytes = new TextEncoder().encode('{"format":"ocm.software/alias-history","version":1}');
export const historyConfig = {
  descriptor: {
    mediaType: HISTORY_CONFIG_MEDIA_TYPE,
    digest: digestOf(configBytes),
    size: configBytes.byteLength,
  },
  bytes: configBytes,
} as const;

/** An alias's newest recorded target and when it was set. */
export interface AliasState {
  readonly to: AliasTarget | null;
  readonly time: string;
}

export interface ChunkRef {
  readonly descriptor: Descriptor;
  readonly count: number;
  /** Hash of the chunk's newest event. */
  readonly last: string;
}

/** The decoded history manifest. */
export interface HistoryHead {
  readonly descriptor: Descriptor;
  readonly count: number;
  /** Hash of the newest event. */
  readonly head: string;
  /** Newest events, oldest first. */
  readonly recent: readonly HistoryEvent[];
  /** Sealed chunks, newest first. */
  readonly chunks: readonly ChunkRef[];
  /** Digests of pending entries already folded in: their tags are skipped, never folded twice. */
  readonly folded: ReadonlySet<string>;
}

export function encodeEvents(events: readonly HistoryEvent[]): string {
  return events.map((e) => eventForm(e).text).join('\n');
}

/**
 * Events decoded before, by their line. Every append rewrites the head with the same recent events
 * (up to 128 lines), and a reader reads them again: a line met before yields the same immutable
 * event object, whose canonical form and hash (`eventForm`) are then already known. Without this a
 * move on a CTF parsed, validated and hashed the whole recent window again (a third of the cost
 * history added to a move). Bounded; cleared when full (a whole-history read passes through).
 */
const decoded = new Map<string, HistoryEvent>();
/** Eight recent windows; an event is at most ~21 KB (message and details), so at most ~21 MB. */
const DECODED_MAX = 1024;

/** Decodes JSON lines (oldest first); `where` names the source in errors. */
export function decodeEvents(text: string, where: string): HistoryEvent[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    const known = decoded.get(line);
    if (known) return known;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new MalformedHistoryError(`${where}, line ${i + 1}: not JSON`, { cause });
    }
    const event = deepFreeze(toEvent(value, `${where}, line ${i + 1}`));
    if (decoded.size >= DECODED_MAX) decoded.clear();
    decoded.set(line, event);
    return event;
  });
}

/** Freezes a decoded value and everything in it: events are shared between readers. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function encodeChunk(
  events: readonly HistoryEvent[],
  last: string,
): { descriptor: Descriptor; bytes: Uint8Array } {
  const bytes = new TextEncoder().encode(`${encodeEvents(events)}\n`);
  return {
    bytes,
    descriptor: {
      mediaType: HISTORY_CHUNK_MEDIA_TYPE,
      digest: digestOf(bytes),
      size: bytes.byteLength,
      annotations: { [Annotation.events]: String(events.length), [Annotation.last]: last },
    },
  };
}

export function encodeHead(input: {
  count: number;
  head: string;
  recent: readonly HistoryEvent[];
  chunks: readonly ChunkRef[];
  folded?: ReadonlySet<string>;
}): { descriptor: Descriptor; bytes: Uint8Array } {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: historyConfig.descriptor,
    layers: input.chunks.map((c) => c.descriptor),
    annotations: {
      [Annotation.events]: String(input.count),
      [Annotation.head]: input.head,
      [Annotation.recent]: encodeEvents(input.recent),
      ...(input.folded && input.folded.size > 0
        ? { [Annotation.folded]: JSON.stringify([...input.folded].sort()) }
        : {}),
    },
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return {
    bytes,
    descriptor: { mediaType: MANIFEST_MEDIA_TYPE, digest: digestOf(bytes), size: bytes.byteLength },
  };
}

function count(text: string | undefined, where: string): number {
  if (text === undefined || !/^(0|[1-9]\d{0,9})$/.test(text))
    throw new MalformedHistoryError(`${where}: missing or bad event count`);
  return Number(text);
}

function hash(text: string | undefined, where: string): string {
  if (text === undefined || !isValidDigest(text))
    throw new MalformedHistoryError(`${where}: missing or bad hash`);
  return text;
}

/** Decodes a manifest read from `_ocm.history`; anything that is not a history is `MalformedHistoryError`. */
export function decodeHead(component: string, descriptor: Descriptor, manifest: Manifest): HistoryHead {
  const where = `${component}: alias history ${descriptor.digest}`;
  if (isImageIndex(manifest)) throw new MalformedHistoryError(`${where}: an index, not a history manifest`);
  if (manifest.config.mediaType !== HISTORY_CONFIG_MEDIA_TYPE)
    throw new MalformedHistoryError(
      `${where}: config media type ${manifest.config.mediaType}, not ${HISTORY_CONFIG_MEDIA_TYPE}`,
    );
  const a = manifest.annotations ?? {};
  const chunks = manifest.layers.map((layer, i): ChunkRef => {
    const w = `${where}, chunk ${i + 1}`;
    if (layer.mediaType !== HISTORY_CHUNK_MEDIA_TYPE)
      throw new MalformedHistoryError(`${w}: media type ${layer.mediaType}`);
    if (layer.size > MAX_CHUNK_BYTES)
      throw new MalformedHistoryError(`${w}: larger than ${MAX_CHUNK_BYTES} bytes`);
    const n = count(layer.annotations?.[Annotation.events], w);
    if (n === 0) throw new MalformedHistoryError(`${w}: empty chunk`);
    return { descriptor: layer, count: n, last: hash(layer.annotations?.[Annotation.last], w) };
  });
  const recentText = a[Annotation.recent];
  if (recentText === undefined) throw new MalformedHistoryError(`${where}: no recent events`);
  const recent = recentText === '' ? [] : decodeEvents(recentText, `${where}, recent events`);
  const folded = new Set<string>();
  const foldedText = a[Annotation.folded];
  if (foldedText !== undefined) {
    let list: unknown;
    try {
      list = JSON.parse(foldedText);
    } catch (cause) {
      throw new MalformedHistoryError(`${where}: bad folded annotation`, { cause });
    }
    if (!Array.isArray(list) || !list.every((d) => typeof d === 'string' && isValidDigest(d)))
      throw new MalformedHistoryError(`${where}: bad folded annotation`);
    for (const d of list) folded.add(d);
  }
  const total = count(a[Annotation.events], where);
  if (recent.length === 0 && (total > 0 || chunks.length > 0))
    throw new MalformedHistoryError(`${where}: events are counted but none is recent`);
  return {
    descriptor,
    count: total,
    head: total === 0 ? '' : hash(a[Annotation.head], where),
    recent,
    chunks,
    folded,
  };
}
