/**
 * The error vocabulary every layer shares. Callers branch on the class or on `code`, never on
 * message text. Backend failures are translated into these and keep the original as `cause`. Each
 * layer adds its own classes in its own `errors.ts`.
 */
export interface OcmErrorOptions {
  cause?: unknown;
  /** One sentence telling the user what to do next. */
  hint?: string;
}

export class OcmError extends Error {
  /** Stable, machine-readable identifier, e.g. `NOT_FOUND`. */
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: OcmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** The named content, tag, repository or version does not exist. */
export class NotFoundError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('NOT_FOUND', message, options);
  }
}

/** The store cannot do what was asked, and no fallback worked. */
export class UnsupportedError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('UNSUPPORTED', message, options);
  }
}
