import { OcmError, type OcmErrorOptions } from '../../errors.js';

/**
 * The history's hash chain does not hold: an event was edited, removed or reordered (or the
 * manifest's summary disagrees with the events). `position` counts events from the oldest (1).
 */
export class HistoryIntegrityError extends OcmError {
  readonly component: string;
  readonly position: number;
  constructor(component: string, position: number, detail: string, options?: OcmErrorOptions) {
    super('HISTORY_INTEGRITY', `${component}: alias history is broken at event ${position}: ${detail}`, {
      hint: 'the history was changed outside ocm-ts; compare with a copy you trust (e.g. a transferred CTF)',
      ...options,
    });
    this.component = component;
    this.position = position;
  }
}

/** The stored history is not in our format: a malformed chunk, line or manifest. */
export class MalformedHistoryError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('HISTORY_MALFORMED', message, options);
  }
}

/** The history exceeds the bytes a reader is willing to hold (`maxBytes`). */
export class HistoryTooLargeError extends OcmError {
  readonly limit: number;
  constructor(component: string, limit: number, options?: OcmErrorOptions) {
    super('HISTORY_TOO_LARGE', `${component}: the alias history exceeds the read limit of ${limit} bytes`, {
      hint: 'raise maxBytes, or read only the newest events (--limit)',
      ...options,
    });
    this.limit = limit;
  }
}

/** A time (`--since`, `--at`) that is neither RFC 3339 nor a date. */
export class InvalidTimeError extends OcmError {
  constructor(text: string, options?: OcmErrorOptions) {
    super('INVALID_TIME', `${JSON.stringify(text)} is not a time`, {
      hint: 'use RFC 3339 (2026-01-31T12:00:00Z) or a date (2026-01-31)',
      ...options,
    });
  }
}

/** A message, actor or details object that cannot be recorded (too long, not JSON). */
export class InvalidHistoryInputError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('HISTORY_INPUT', message, options);
  }
}

/** Rollback asked for more moves than the history holds for the alias. */
export class NothingToRollBackError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('NOTHING_TO_ROLL_BACK', message, options);
  }
}
