/**
 * The history as readers see it on a store without atomic writes, and the fold that writes pending
 * entries (pending.ts) into the `_ocm.history` head (docs/history.md, "Concurrency and crashes").
 *
 * A view is the head plus the entries not yet folded into it, resolved: done entries, and unfinished
 * ones whose moves the aliases show happened. A fold writes the head that view describes. Two folds
 * that race both read every entry they fold from its own tag, and entries are deleted only once a
 * head in place holds them and no slower fold can still write over it (the grace time), so a lost
 * fold loses nothing: the next one takes the same entries again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError } from '../../errors.js';
import { mapLimit } from '../../oci/concurrency.js';
import { canDelete, canPushReference } from '../../oci/content/guards.js';
import { fetchAll, fetchManifest } from '../../oci/content/read.js';
import type { OperationOptions, Store } from '../../oci/content/storage.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { digestOf } from '../../oci/digest.js';
import { parseManifest } from '../../oci/manifest.js';
import { listTags } from '../../repository/resolve.js';
import { HISTORY_TAG, type HistoryHead, historyConfig, MAX_CHUNK_BYTES } from './codec.js';
import { HistoryIntegrityError, MalformedHistoryError } from './errors.js';
import { chain, checkRecent, readHead, walkNewestFirst, writeHead } from './log.js';
import type { HistoryEvent } from './model.js';
import {
  DONE_SUFFIX,
  decodeEntry,
  type EntryRef,
  encodeEntry,
  entryRefs,
  foldable,
  MAX_ENTRY_BYTES,
  type PendingEntry,
  type PendingEvent,
  type Resolution,
  resolveEntries,
} from './pending.js';

/**
 * How long an unfinished entry may still be in flight, and how long a fold may take at most: an
 * entry is deleted only when it is older than this, and a fold that took more than half of it does
 * not write. Clocks of the machines that write one history must agree to within half of it.
 */
export const DEFAULT_GRACE_MS = 10 * 60 * 1000;
/** Entries read at once. */
const READ_CONCURRENCY = 8;

export interface ViewOptions extends OperationOptions {
  /**
   * The wall clock that ages entries against the time in their tags (milliseconds). Default
   * `Date.now`. Not the clock of event times: entries are always stamped by the wall clock.
   */
  readonly now?: () => number;
  readonly graceMs?: number;
}

export interface HistoryView {
  /** Every tag of the component's repository, as listed for this view. */
  readonly tags: readonly string[];
  readonly head: HistoryHead | undefined;
  /** Every entry tag listed, folded or not. */
  readonly refs: readonly EntryRef[];
  /** The entries not in the head, read and resolved. */
  readonly entries: readonly PendingEntry[];
  readonly resolution: Resolution;
  /** Confirmed pending events chained onto the head, oldest first: what a fold would append. */
  readonly pending: readonly HistoryEvent[];
}

async function readEntry(store: Store, ref: EntryRef, options: OperationOptions): Promise<PendingEntry> {
  // By digest, not by tag: the content cache serves it when warm. The tag names the digest: check it.
  const { descriptor, bytes } = await fetchManifest(store, ref.digest, options);
  if (bytes.byteLength > MAX_ENTRY_BYTES)
    throw new MalformedHistoryError(`history entry ${ref.tag}: larger than ${MAX_ENTRY_BYTES} bytes`);
  if (digestOf(bytes) !== ref.digest)
    throw new MalformedHistoryError(`history entry ${ref.tag}: the content does not match its tag`);
  return decodeEntry(ref, parseManifest(bytes, descriptor.mediaType));
}

/** Where each alias points now (digest, null when absent or unreadable as a tag). */
async function currentDigests(
  store: Store,
  aliases: Iterable<string>,
  options: OperationOptions,
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  await mapLimit([...aliases], READ_CONCURRENCY, async (alias) => {
    try {
      out.set(alias, (await store.resolve(alias, options)).digest);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      out.set(alias, null);
    }
  });
  return out;
}

/**
 * The head and the pending entries not yet in it, resolved. Costs the head, one tag listing, one
 * request per unfolded entry (none when the content cache holds it; eight at a time) and one per
 * alias of an unfinished entry or moved by racers.
 */
export async function readView(
  store: Store,
  component: string,
  options: ViewOptions = {},
): Promise<HistoryView> {
  // List first, then read the head: an entry deleted before the listing is in the head read after it.
  const tags = await listTags(store, options);
  const head = await readHead(store, component, options);
  const refs = entryRefs(tags);
  const unfolded = refs.filter((r) => !head?.folded.has(r.digest));
  // An entry listed but gone when read was deleted meanwhile: folded into a head already, or
  // withdrawn or abandoned (its move never happened). Either way it adds nothing to this view.
  const read = await mapLimit(unfolded, READ_CONCURRENCY, (r) =>
    readEntry(store, r, options).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }),
  );
  const entries = read.filter((e): e is PendingEntry => e !== undefined);
  // Where an alias points now is read only when the entries cannot tell: an unfinished entry (did its
  // move happen?), and an alias whose finished moves do not follow one another (racers that read the
  // same state: which landed last?). Moves that do, each from where the one before went, are in the
  // order they landed, so reading the newest events of a history with unfolded entries costs no
  // request per alias.
  const aliases = new Set<string>();
  const lastTo = new Map<string, string | null>();
  for (const entry of entries) {
    for (const e of entry.events) {
      if (e.alias === null) continue;
      const before = lastTo.get(e.alias);
      if (!entry.done || (before !== undefined && before !== (e.from?.digest ?? null))) aliases.add(e.alias);
      lastTo.set(e.alias, e.to?.digest ?? null);
    }
  }
  const current = await currentDigests(store, aliases, options);
  const now = (options.now ?? Date.now)();
  const resolution = resolveEntries(entries, current, now, options.graceMs ?? DEFAULT_GRACE_MS);
  const pending = chain(
    head && head.count > 0 ? head.head : null,
    resolution.confirmed.map((c) => c.event),
  );
  return { tags, head, refs, entries, resolution, pending };
}

export interface FoldOptions extends ViewOptions {}

export interface FoldResult {
  /** Events written into the head. */
  readonly folded: number;
  /** Entry manifests deleted (held by the head for longer than the grace time, or abandoned). */
  readonly deleted: number;
  /** Unfinished entries left for a later fold. */
  readonly waiting: number;
  /** Confirmed events left pending behind an older unfinished entry of their aliases (`foldable`). */
  readonly held: number;
  /** False when nothing had to change. */
  readonly wrote: boolean;
}

/**
 * Writes the pending entries of a component into its `_ocm.history` head and deletes the entry
 * manifests that no reader needs any more. Refuses (`HistoryIntegrityError`) to extend a head whose
 * recent part does not verify. Safe to run at any time, by anyone, concurrently with writers and
 * other folds.
 */
export async function foldHistory(
  store: Store,
  component: string,
  options: FoldOptions = {},
): Promise<FoldResult> {
  const started = performance.now();
  const grace = options.graceMs ?? DEFAULT_GRACE_MS;
  const now = (options.now ?? Date.now)();
  const view = await readView(store, component, options);
  const { head, refs, resolution } = view;
  if (head) checkRecent(component, head);
  // The head keeps the digests of the entries it holds while they are listed. One missing from our
  // listing was deleted, or written after it (folded by a faster fold before we read the head):
  // dropping that one would let the next fold append its events again. List again to tell them apart.
  let listed = new Set(refs.map((r) => r.digest));
  if ([...(head?.folded ?? [])].some((d) => !listed.has(d)))
    listed = new Set(entryRefs(await listTags(store, options)).map((r) => r.digest));
  const folded = new Set<string>([...(head?.folded ?? [])].filter((d) => listed.has(d)));
  const ready = foldable(view.entries, resolution);
  const events = chain(
    head && head.count > 0 ? head.head : null,
    ready.map((c) => c.event),
  );
  const taken = new Set<string>();
  for (const c of ready) taken.add(c.entry.digest);
  for (const e of resolution.abandoned) taken.add(e.digest);
  for (const d of taken) folded.add(d);
  const changed =
    events.length > 0 ||
    folded.size !== (head?.folded.size ?? 0) ||
    [...folded].some((d) => !head?.folded.has(d));
  if (changed && (head || events.length > 0)) {
    // A fold slower than half the grace time might write over a head whose entries were deleted.
    if (performance.now() - started > grace / 2)
      throw new HistoryIntegrityError(
        component,
        head?.count ?? 0,
        'the fold took too long; nothing was written',
      );
    if (!head) await store.push(historyConfig.descriptor, historyConfig.bytes, options);
    await writeHead(store, component, head, events, { ...options, atomic: false, folded });
  }
  // Delete what the head we read holds and is older than the grace time, and what was abandoned.
  const gone = refs.filter(
    (r) =>
      (head?.folded.has(r.digest) === true && now - r.time >= grace) ||
      resolution.abandoned.some((a) => a.digest === r.digest),
  );
  let deleted = 0;
  if (canDelete(store)) {
    await mapLimit(gone, READ_CONCURRENCY, async (r) => {
      try {
        await store.delete(
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: r.digest, size: 0 },
          options,
        );
        deleted++;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    });
  }
  return {
    folded: events.length,
    deleted,
    waiting: resolution.waiting.length,
    held: resolution.confirmed.length - ready.length,
    wrote: changed,
  };
}

/** An entry being written: `commit` once its moves happened, `abort` when they certainly did not. */
export interface EntryWrite {
  readonly entry: { readonly descriptor: Descriptor; readonly tag: string };
  commit(options?: OperationOptions): Promise<void>;
  abort(options?: OperationOptions): Promise<void>;
}

async function put(
  store: Store,
  descriptor: Descriptor,
  bytes: Uint8Array,
  tag: string,
  options: OperationOptions,
) {
  if (canPushReference(store)) {
    // The config is there unless this is the component's first record, which beginEntry handles.
    await store.pushReference(descriptor, bytes, tag, { ...options, referencesPresent: true });
  } else {
    await store.push(descriptor, bytes, options);
    await store.tag(descriptor, tag, options);
  }
}

/**
 * Records `events` as a pending entry before their moves are made. On a repository that has no
 * history yet the config blob is pushed first (the registry refuses a manifest whose config it lacks);
 * otherwise it is there already and the entry costs one request.
 */
export async function beginEntry(
  store: Store,
  events: readonly PendingEvent[],
  options: OperationOptions,
): Promise<EntryWrite> {
  const entry = encodeEntry(events);
  // The config is there unless this is the component's first record: then push it and try again.
  // Writers racing on a new component each push it, and Distribution may refuse a manifest for a
  // moment while another upload of the same blob is being linked: a few short retries cover that.
  for (let attempt = 1; ; attempt++) {
    try {
      await put(store, entry.descriptor, entry.bytes, entry.tag, options);
      break;
    } catch (err) {
      if (options.signal?.aborted || attempt >= 4) throw err;
      if (attempt === 1) await store.push(historyConfig.descriptor, historyConfig.bytes, options);
      else await sleep(25 * attempt, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
  return {
    entry,
    async commit(opts = options) {
      await put(store, entry.descriptor, entry.bytes, `${entry.tag}${DONE_SUFFIX}`, opts);
    },
    async abort(opts = options) {
      if (!canDelete(store)) return;
      try {
        await store.delete(entry.descriptor, opts);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    },
  };
}

/**
 * Copies a whole history, verified, into a store that has none: the head with its chunks as they are
 * (same bytes, same digests), and the pending entries it does not hold yet written into a head of
 * the copy. False when `to` has a history already or `from` has none.
 */
export async function copyHistory(
  from: Store,
  to: Store,
  component: string,
  options: ViewOptions,
): Promise<boolean> {
  if (await readHead(to, component, options)) return false;
  const view = await readView(from, component, options);
  const { head } = view;
  if (!head && view.pending.length === 0) return false;
  if (head) {
    // Verify before spreading: a broken chain is reported here, not copied.
    for await (const _ of walkNewestFirst(from, component, head, options)) void _;
    await to.push(historyConfig.descriptor, historyConfig.bytes, options);
    for (const ref of head.chunks) {
      await to.push(
        ref.descriptor,
        await fetchAll(from, ref.descriptor, { ...options, maxSize: MAX_CHUNK_BYTES }),
        options,
      );
    }
    await to.push(head.descriptor, await fetchAll(from, head.descriptor, options), options);
    await to.tag(head.descriptor, HISTORY_TAG, options);
  }
  if (view.pending.length > 0)
    await writeHead(to, component, head, view.pending, { ...options, atomic: false, folded: new Set() });
  return true;
}
