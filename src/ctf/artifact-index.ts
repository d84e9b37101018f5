import { NotFoundError } from '../errors.js';
import { isPlainObject } from '../oci/descriptor.js';
import { isValidDigest } from '../oci/digest.js';
import { TooLargeError } from '../oci/errors.js';
import { MediaType } from '../oci/mediatype.js';
import { isValidTag } from '../oci/reference.js';
import { InvalidIndexError } from './errors.js';

/**
 * `artifact-index.json`, the table of contents of a CTF: which manifest (by digest) each
 * repository/tag names. Format and update rules: docs/formats.md (CTF).
 *
 * Read leniently (ocm1 writes `"artifacts": null` and no `mediaType`), write strictly: the ocm2 Go
 * reader refuses unknown keys, so only `schemaVersion` and the four entry keys are ever written,
 * `mediaType` on every entry and `tag` only when set.
 *
 * Update rules are upstream's (ocm2's `bindings/go/ctf/index/v1`) plus our hygiene (docs/formats.md, CTF),
 * which together keep this invariant after every mutation:
 *  - a (repository, tag) pair appears at most once;
 *  - a digest has an untagged entry in a repository only while no tagged entry there holds it.
 * So moving a tag drops the entry it leaves when another entry still holds that digest, and the
 * last entry of a digest stays (untagged) until an explicit garbage collection.
 */
export interface IndexEntry {
  readonly repository: string;
  /** Absent for an untagged entry. */
  readonly tag?: string;
  readonly digest: string;
  readonly mediaType: string;
}

export const INDEX_FILE = 'artifact-index.json';
/** An index larger than this is refused: 64 MiB holds several hundred thousand entries. */
export const MAX_INDEX_SIZE = 64 * 1024 * 1024;

const knownEntryKeys = new Set(['repository', 'tag', 'digest', 'mediaType']);

export interface ParseOptions {
  /** Refuse unknown keys, as the ocm2 Go reader does. Default false (lenient). */
  readonly strict?: boolean;
}

export class ArtifactIndex {
  #entries: IndexEntry[];
  #revision = 0;

  constructor(entries: readonly IndexEntry[] = []) {
    this.#entries = [...entries];
  }

  get entries(): readonly IndexEntry[] {
    return this.#entries;
  }

  clone(): ArtifactIndex {
    return new ArtifactIndex(this.#entries);
  }

  /** Parses index bytes; an empty file is an empty index (as in both Go readers). */
  static parse(bytes: Uint8Array, options: ParseOptions = {}): ArtifactIndex {
    if (bytes.byteLength > MAX_INDEX_SIZE) throw new TooLargeError('artifact-index.json', MAX_INDEX_SIZE);
    if (bytes.byteLength === 0) return new ArtifactIndex();
    let doc: unknown;
    try {
      doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (cause) {
      throw new InvalidIndexError(`not valid UTF-8 JSON: ${(cause as Error).message}`, { cause });
    }
    if (!isPlainObject(doc)) throw new InvalidIndexError('not a JSON object');
    if (options.strict) {
      for (const key of Object.keys(doc)) {
        if (key !== 'schemaVersion' && key !== 'artifacts')
          throw new InvalidIndexError(`unknown key ${JSON.stringify(key)}`);
      }
    }
    if (doc.schemaVersion !== 1) {
      throw new InvalidIndexError(
        `schemaVersion ${JSON.stringify(doc.schemaVersion)} is not supported (only 1 is)`,
      );
    }
    const artifacts = doc.artifacts ?? [];
    if (!Array.isArray(artifacts)) throw new InvalidIndexError('artifacts: must be a list or null');
    // Legacy writers may have left duplicate (repository, tag) rows; the first one is what every
    // reader resolves, so it wins and the others lose their tag. One pass, with lookups by key,
    // so that reading stays linear in the number of entries.
    const entries: IndexEntry[] = [];
    const taggedPairs = new Set<string>();
    const heldDigests = new Set<string>();
    const untaggedAt = new Map<string, number>();
    artifacts.forEach((raw, i) => {
      const entry = parseEntry(raw, `artifacts[${i}]`, options.strict ?? false);
      const digestKey = `${entry.repository}@${entry.digest}`;
      const tagKey = `${entry.repository}:${entry.tag}`;
      if (entry.tag !== undefined && !taggedPairs.has(tagKey)) {
        taggedPairs.add(tagKey);
        heldDigests.add(digestKey);
        const twin = untaggedAt.get(digestKey);
        if (twin === undefined) entries.push(entry);
        else {
          entries[twin] = entry; // a tagged entry supersedes the untagged one of its digest
          untaggedAt.delete(digestKey);
        }
        return;
      }
      const untagged = { repository: entry.repository, digest: entry.digest, mediaType: entry.mediaType };
      if (heldDigests.has(digestKey)) return;
      heldDigests.add(digestKey);
      untaggedAt.set(digestKey, entries.length);
      entries.push(untagged);
    });
    const index = new ArtifactIndex(entries);
    return index;
  }

  /** Compact JSON exactly as the Go readers expect, without a trailing newline. */
  serialize(): Uint8Array {
    const parts: Buffer[] = [INDEX_HEAD];
    this.#entries.forEach((e, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(fragment(e));
    });
    parts.push(INDEX_TAIL);
    return Buffer.concat(parts);
  }

  /** Increases with every mutation that changed an entry; tells a writer whether to write at all. */
  get revision(): number {
    return this.#revision;
  }

  /** Every repository that has at least one entry, sorted. */
  repositories(): string[] {
    return [...new Set(this.#entries.map((e) => e.repository))].sort(compareStrings);
  }

  /** Tags of a repository, sorted; untagged entries are never listed. */
  tags(repository: string): string[] {
    return this.#entries
      .filter((e) => e.repository === repository && e.tag !== undefined)
      .map((e) => e.tag!)
      .sort(compareStrings);
  }

  /** The entry a tag or digest names in a repository, if any. */
  find(repository: string, reference: string): IndexEntry | undefined {
    const byDigest = isValidDigest(reference);
    // The selective field first: in a repository of 10,000 tags every entry shares the repository
    // name, and comparing it first made each scan compare 10,000 long equal strings.
    if (byDigest) return this.#entries.find((e) => e.digest === reference && e.repository === repository);
    return this.#entries[this.#lastIndex((e) => e.tag === reference && e.repository === repository)];
  }

  /** Whether any entry in any repository names this digest. */
  holdsDigest(digest: string): boolean {
    return this.#lastIndex((e) => e.digest === digest) >= 0;
  }

  /**
   * Records a manifest without a tag (the push path). A digest that already has an entry in the
   * repository needs no untagged one (hygiene).
   */
  addUntagged(repository: string, digest: string, mediaType: string): void {
    if (this.#lastIndex((e) => e.digest === digest && e.repository === repository) >= 0) return;
    this.#entries.push({ repository, digest, mediaType });
    this.#revision++;
  }

  /**
   * Points `tag` at `digest`: a no-op when it already does; otherwise the entry holding the tag loses
   * it, then an untagged entry of the digest takes the tag in place, else a new entry is appended.
   */
  tag(repository: string, tag: string, digest: string, mediaType: string): void {
    const current = this.#lastIndex((e) => e.tag === tag && e.repository === repository);
    if (current >= 0 && this.#entries[current]!.digest === digest) return;
    this.#revision++;
    if (current >= 0) this.#clearTag(current);
    const untagged = this.#lastIndex(
      (e) => e.digest === digest && e.tag === undefined && e.repository === repository,
    );
    if (untagged >= 0) {
      this.#entries[untagged] = { repository, tag, digest, mediaType: this.#entries[untagged]!.mediaType };
    } else {
      this.#entries.push({ repository, tag, digest, mediaType });
    }
  }

  /** Removes a tag; its entry is dropped, or kept untagged when it is the digest's last one. */
  untag(repository: string, tag: string): IndexEntry {
    const i = this.#lastIndex((e) => e.tag === tag && e.repository === repository);
    if (i < 0) throw new NotFoundError(`${repository}: tag ${tag} not found`);
    const entry = this.#entries[i]!;
    this.#clearTag(i);
    this.#revision++;
    return entry;
  }

  /** Removes every entry of a digest in a repository (its tags included). Returns how many. */
  remove(repository: string, digest: string): number {
    let removed = 0;
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i]!;
      if (e.digest !== digest || e.repository !== repository) continue;
      this.#entries.splice(i, 1);
      removed++;
    }
    if (removed > 0) this.#revision++;
    return removed;
  }

  /** Removes the given entries (garbage collection of untagged residue). */
  removeEntries(drop: ReadonlySet<IndexEntry>): void {
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((e) => !drop.has(e));
    if (this.#entries.length !== before) this.#revision++;
  }

  /**
   * The index of the last entry `test` accepts, or -1. Scans from the end: the entries a writer asks
   * about again (a history head, the tag it just moved, the manifest it just pushed) are the newest.
   * Only for questions with one answer (a tag, an untagged entry of a digest) or a yes or no.
   */
  #lastIndex(test: (e: IndexEntry) => boolean): number {
    const entries = this.#entries;
    for (let i = entries.length - 1; i >= 0; i--) if (test(entries[i]!)) return i;
    return -1;
  }

  #clearTag(i: number): void {
    const e = this.#entries[i]!;
    const entries = this.#entries;
    let heldElsewhere = false;
    for (let j = entries.length - 1; j >= 0 && !heldElsewhere; j--)
      heldElsewhere = j !== i && entries[j]!.digest === e.digest && entries[j]!.repository === e.repository;
    if (heldElsewhere) this.#entries.splice(i, 1);
    else this.#entries[i] = { repository: e.repository, digest: e.digest, mediaType: e.mediaType };
  }
}

/**
 * Entries are immutable, so each one's JSON is encoded once: rewriting a large index is then a
 * concatenation of cached bytes, not a re-serialisation (the cost of one tag move stays flat).
 */
const fragments = new WeakMap<IndexEntry, Buffer>();
const INDEX_HEAD = Buffer.from('{"schemaVersion":1,"artifacts":[');
const INDEX_TAIL = Buffer.from(']}');
const COMMA = Buffer.from(',');

function fragment(e: IndexEntry): Buffer {
  let bytes = fragments.get(e);
  if (bytes === undefined) {
    const tag = e.tag === undefined ? '' : `"tag":${JSON.stringify(e.tag)},`;
    bytes = Buffer.from(
      `{"repository":${JSON.stringify(e.repository)},${tag}"digest":${JSON.stringify(e.digest)},"mediaType":${JSON.stringify(e.mediaType)}}`,
    );
    fragments.set(e, bytes);
  }
  return bytes;
}

function parseEntry(raw: unknown, path: string, strict: boolean): IndexEntry {
  if (!isPlainObject(raw)) throw new InvalidIndexError(`${path}: not an object`);
  if (strict) {
    for (const key of Object.keys(raw)) {
      if (!knownEntryKeys.has(key))
        throw new InvalidIndexError(`${path}: unknown key ${JSON.stringify(key)}`);
    }
  }
  const { repository, tag, digest, mediaType } = raw;
  if (typeof repository !== 'string' || !isSafeRepositoryPath(repository)) {
    throw new InvalidIndexError(`${path}.repository: must be a relative repository path`);
  }
  if (tag !== undefined && tag !== null && tag !== '' && !(typeof tag === 'string' && isValidTag(tag))) {
    throw new InvalidIndexError(`${path}.tag: ${JSON.stringify(tag)} is not a valid tag`);
  }
  if (typeof digest !== 'string' || !isValidDigest(digest)) {
    throw new InvalidIndexError(`${path}.digest: ${JSON.stringify(digest)} is not a valid digest`);
  }
  if (mediaType !== undefined && mediaType !== null && mediaType !== '' && typeof mediaType !== 'string') {
    throw new InvalidIndexError(`${path}.mediaType: must be a string`);
  }
  return {
    repository,
    ...(typeof tag === 'string' && tag !== '' ? { tag } : {}),
    digest,
    mediaType: typeof mediaType === 'string' && mediaType !== '' ? mediaType : MediaType.ImageManifest,
  };
}

/** Repository paths are relative, `/`-separated and never climb: they name, they never locate. */
function isSafeRepositoryPath(name: string): boolean {
  if (name.length === 0 || name.length > 1024 || name.startsWith('/')) return false;
  return name
    .split('/')
    .every((part) => part !== '' && part !== '.' && part !== '..' && !part.includes('\\'));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
