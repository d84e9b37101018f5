/**
 * Alias history (docs/history.md): every alias change ocm-ts makes is one hash-chained event in the
 * component's own OCI repository, under the reserved tag `_ocm.history`.
 *
 * Writing. `HistoryJournal` is the repository's journal (`new OcmRepository(store, { journal })`;
 * `openRepository` sets one): `addComponentVersionAlias`, `removeComponentVersionAlias`, the alias
 * moves of `addComponentVersion` with `moveAliases` (`replace`, or `sign` via `aliasOperation`),
 * `transferComponentVersion` with `copyAliases`, and `rollbackAlias` record their events themselves.
 * Every one of those calls takes `message` and `actor` (self-declared; default the journal's, else
 * `unknown`). Others pass `operation` (`promote`, `rollback`, `transfer`) and a `details` object in
 * the alias options, e.g. `{ operation: 'promote', details: { gates } }` or `{ details: { forced:
 * true } }`. `repository.recordPolicyChange(component, { document })` records a `policy` event (no
 * alias; `details.document` = the stages document's digest). There is no way to append an arbitrary
 * event: events describe changes that happened.
 *
 * On a CTF the move and its event are one index write under the lock. On a registry the event is
 * written first, as an immutable pending entry under a tag of its own (no writer ever overwrites
 * another's), then the move, then a done mark; `foldHistory` (run by about one move in eight, or by
 * anyone) writes pending entries into the `_ocm.history` head. Readers merge the head with the
 * entries not yet folded, resolving unfinished ones from where the aliases point.
 *
 * Reading. `getAliasHistory(repo, component, { alias, limit, since })`: newest first, untracked moves
 * (current target differs from the newest event) on top, chain verified (`HistoryIntegrityError`
 * with the position of the first bad event). `resolveAliasAt(repo, component, alias, time)`,
 * `aliasHeldSince(repo, component, alias)` (since when it holds its target; null after an untracked
 * move), `rollbackAlias(repo, component, alias, { steps, expect })`, `verifyAliasHistory`.
 * The newest events cost two requests (the head and one tag listing) plus one per entry not yet
 * folded (none when the content cache holds it).
 */
export {
  Annotation as HistoryAnnotation,
  HISTORY_CHUNK_MEDIA_TYPE,
  HISTORY_CONFIG_MEDIA_TYPE,
  HISTORY_TAG,
} from './codec.js';
export {
  HistoryIntegrityError,
  HistoryTooLargeError,
  InvalidHistoryInputError,
  InvalidTimeError,
  MalformedHistoryError,
  NothingToRollBackError,
} from './errors.js';
export {
  DEFAULT_GRACE_MS,
  type FoldOptions,
  type FoldResult,
  foldHistory,
  type HistoryView,
  readView,
  type ViewOptions,
} from './fold.js';
export { HistoryJournal, type HistoryJournalOptions } from './journal.js';
export { DEFAULT_MAX_HISTORY_BYTES, type ReadHistoryOptions } from './log.js';
export {
  type AliasOperation,
  type AliasTarget,
  eventHash,
  type HistoryEntry,
  type HistoryEvent,
  parseTime,
  remoteStage,
  type UntrackedMove,
} from './model.js';
export { ENTRY_TAG_PREFIX } from './pending.js';
export {
  type AliasAt,
  type AliasSince,
  aliasHeldSince,
  type GetAliasHistoryOptions,
  getAliasHistory,
  type HistoryReadOptions,
  isReservedTag,
  type RollbackOptions,
  type RollbackResult,
  resolveAliasAt,
  rollbackAlias,
  verifyAliasHistory,
} from './queries.js';
