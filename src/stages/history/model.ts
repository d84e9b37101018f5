import { canonicalJson, isPlainObject, type JsonValue } from '../../descriptor/normalisation/index.js';
import { digestOf, isValidDigest } from '../../oci/digest.js';
import type { AliasOperation, AliasTarget } from '../../repository/journal.js';
import { InvalidHistoryInputError, InvalidTimeError, MalformedHistoryError } from './errors.js';

export type { AliasOperation, AliasTarget } from '../../repository/journal.js';

/**
 * One recorded alias change (docs/history.md). Field names are the wire format: they appear as they
 * are in the stored chunks and in `ocm get history -o json`. `previous` is the SHA-256 of the
 * canonical JSON (RFC 8785) of the event before, null for the first: the history is a hash chain.
 * `alias` is null only for `policy` events, which concern the component's stages document.
 */
export interface HistoryEvent {
  readonly alias: string | null;
  readonly from: AliasTarget | null;
  readonly to: AliasTarget | null;
  readonly operation: AliasOperation;
  /** RFC 3339, UTC. */
  readonly time: string;
  /** Self-declared: `--by`, `OCM_ACTOR`, the CI's user and run, or `user@host`; `unknown` by default. */
  readonly actor: string;
  readonly message: string | null;
  /** The writing tool and its version, e.g. `ocm-ts/0.1.0`. */
  readonly tool: string;
  readonly previous: string | null;
  /** Operation-specific data: a promotion's gate results, `forced`, a transfer's `source`, a policy `document`. */
  readonly details?: Readonly<Record<string, JsonValue>>;
  /**
   * A DSSE signature (`keyid`, base64 `sig`) over the event without `previous` and `signature`
   * (signed.ts): present when the mover signed the move (`--key`).
   */
  readonly signature?: EventSignature;
}

export interface EventSignature {
  readonly keyid: string;
  readonly sig: string;
}

/**
 * A move the history does not explain: the alias's current digest differs from what its newest event
 * says (another tool moved it, or an append was lost). Shown newest, with no time.
 */
export interface UntrackedMove {
  readonly alias: string;
  readonly from: AliasTarget | null;
  readonly to: AliasTarget | null;
  readonly operation: 'untracked';
  readonly time: null;
  readonly actor: null;
  readonly message: null;
  readonly tool: null;
  readonly previous: null;
  /**
   * Set when the alias names something that is not a version of the component now (a manifest
   * retagged or deleted by hand, a removal cut off halfway): `to` is then null, and the alias was not
   * removed.
   */
  readonly problem?: string;
}

export type HistoryEntry = HistoryEvent | UntrackedMove;

export const OPERATIONS: readonly AliasOperation[] = [
  'tag',
  'untag',
  'promote',
  'rollback',
  'sign',
  'replace',
  'transfer',
  'policy',
];

/** Limits of what one event may carry, so that a chunk of them stays small. */
export const MAX_MESSAGE_LENGTH = 4096;
export const MAX_ACTOR_LENGTH = 256;
export const MAX_DETAILS_BYTES = 16 * 1024;

/**
 * Canonical JSON (RFC 8785) of a value made of plain objects, arrays, strings, finite numbers,
 * booleans and null: members sorted by UTF-16 code units, no whitespace, numbers and strings as
 * `JSON.stringify` writes them (which is what RFC 8785 prescribes for them). Events are checked
 * with the full JCS implementation when they are recorded (`checkInput`); this is the fast path
 * for hashing and writing them.
 */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

const encoded = new WeakMap<HistoryEvent, { text: string; hash: string }>();

/** The canonical JSON of an event and its SHA-256, computed once per event object. */
export function eventForm(event: HistoryEvent): { text: string; hash: string } {
  let form = encoded.get(event);
  if (!form) {
    const text = canonical(event);
    form = { text, hash: digestOf(text) };
    encoded.set(event, form);
  }
  return form;
}

/** The hash that the next event's `previous` names. */
export function eventHash(event: HistoryEvent): string {
  return eventForm(event).hash;
}

/** Checks a message, actor and details before anything is written. */
export function checkInput(input: {
  message?: string | undefined;
  actor?: string | undefined;
  details?: unknown;
}): void {
  if (input.message !== undefined) {
    if (typeof input.message !== 'string' || input.message.length > MAX_MESSAGE_LENGTH)
      throw new InvalidHistoryInputError(
        `a history message is a string of at most ${MAX_MESSAGE_LENGTH} characters`,
      );
  }
  if (input.actor !== undefined) {
    if (typeof input.actor !== 'string' || input.actor.length === 0 || input.actor.length > MAX_ACTOR_LENGTH)
      throw new InvalidHistoryInputError(
        `an actor is a non-empty string of at most ${MAX_ACTOR_LENGTH} characters`,
      );
  }
  if (input.details !== undefined) {
    if (!isPlainObject(input.details))
      throw new InvalidHistoryInputError('history details must be a JSON object');
    let text: string;
    try {
      text = canonicalJson(input.details);
    } catch (cause) {
      throw new InvalidHistoryInputError('history details must be plain JSON', { cause });
    }
    if (Buffer.byteLength(text) > MAX_DETAILS_BYTES)
      throw new InvalidHistoryInputError(`history details exceed ${MAX_DETAILS_BYTES} bytes`);
  }
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses `--since`/`--at`: RFC 3339 (any offset), or a date, read as its first instant in UTC.
 * Anything else, and impossible dates (2026-02-30), fail with `InvalidTimeError`.
 */
export function parseTime(text: string): Date {
  const t = typeof text === 'string' ? text.trim() : '';
  if (!rfc3339.test(t) && !dateOnly.test(t)) throw new InvalidTimeError(String(text));
  const date = new Date(dateOnly.test(t) ? `${t}T00:00:00Z` : t);
  if (Number.isNaN(date.getTime())) throw new InvalidTimeError(t);
  // Date accepts 2026-02-30 and rolls it over; the calendar part must survive the round trip.
  const [y, m, d] = t.slice(0, 10).split('-').map(Number);
  const probe = new Date(Date.UTC(y!, m! - 1, d!));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m! - 1 || probe.getUTCDate() !== d)
    throw new InvalidTimeError(t);
  return date;
}

function target(value: unknown, where: string): AliasTarget | null {
  if (value === null) return null;
  if (
    !isPlainObject(value) ||
    Object.keys(value).length !== 2 ||
    typeof value.version !== 'string' ||
    value.version === '' ||
    typeof value.digest !== 'string' ||
    !isValidDigest(value.digest)
  ) {
    throw new MalformedHistoryError(`${where}: from/to must be null or {"version", "digest"}`);
  }
  return { version: value.version, digest: value.digest };
}

const FIELDS = new Set([
  'alias',
  'from',
  'to',
  'operation',
  'time',
  'actor',
  'message',
  'tool',
  'previous',
  'details',
  'signature',
]);

/**
 * Whether an event's details describe a promotion into a stage of another repository (`stage` and
 * `repository` are named): such an event has no alias of its own repository.
 */
export function isRemote(details: unknown): details is { stage: string; repository: string } {
  return (
    isPlainObject(details) && typeof details.stage === 'string' && typeof details.repository === 'string'
  );
}

/** The stage and repository of a promotion recorded where the candidate came from, if `event` is one. */
export function remoteStage(event: HistoryEvent): { stage: string; repository: string } | undefined {
  if (event.alias !== null || event.operation !== 'promote' || !isRemote(event.details)) return undefined;
  return { stage: event.details.stage, repository: event.details.repository };
}

/** Validates one decoded event; `where` names it in errors. */
export function toEvent(value: unknown, where: string): HistoryEvent {
  if (!isPlainObject(value)) throw new MalformedHistoryError(`${where}: not a JSON object`);
  for (const key of Object.keys(value))
    if (!FIELDS.has(key)) throw new MalformedHistoryError(`${where}: unknown field ${JSON.stringify(key)}`);
  const { alias, operation, time, actor, message, tool, previous, details } = value;
  if (!(alias === null || typeof alias === 'string')) throw new MalformedHistoryError(`${where}: bad alias`);
  if (typeof operation !== 'string' || !(OPERATIONS as readonly string[]).includes(operation))
    throw new MalformedHistoryError(`${where}: unknown operation ${JSON.stringify(operation)}`);
  if (alias === null && operation !== 'policy' && !(operation === 'promote' && isRemote(value.details)))
    throw new MalformedHistoryError(
      `${where}: only policy events and promotions into other repositories have no alias`,
    );
  if (typeof time !== 'string' || !rfc3339.test(time) || Number.isNaN(Date.parse(time)))
    throw new MalformedHistoryError(`${where}: time is not RFC 3339`);
  if (typeof actor !== 'string') throw new MalformedHistoryError(`${where}: bad actor`);
  if (!(message === null || typeof message === 'string'))
    throw new MalformedHistoryError(`${where}: bad message`);
  if (typeof tool !== 'string') throw new MalformedHistoryError(`${where}: bad tool`);
  if (!(previous === null || (typeof previous === 'string' && isValidDigest(previous))))
    throw new MalformedHistoryError(`${where}: previous is not a digest`);
  if (details !== undefined && !isPlainObject(details))
    throw new MalformedHistoryError(`${where}: bad details`);
  const signature = value.signature;
  if (
    signature !== undefined &&
    !(
      isPlainObject(signature) &&
      Object.keys(signature).length === 2 &&
      typeof signature.keyid === 'string' &&
      typeof signature.sig === 'string' &&
      /^[A-Za-z0-9+/]+={0,2}$/.test(signature.sig)
    )
  )
    throw new MalformedHistoryError(`${where}: bad signature`);
  return {
    alias,
    from: target(value.from, where),
    to: target(value.to, where),
    operation: operation as AliasOperation,
    time,
    actor,
    message,
    tool,
    previous,
    ...(details === undefined ? {} : { details: details as Record<string, JsonValue> }),
    ...(signature === undefined ? {} : { signature: signature as unknown as EventSignature }),
  };
}
