import { OcmError, type OcmErrorOptions } from '../errors.js';

/** The path is not a CTF of the expected format, or its content is unsafe or corrupt. */
export class InvalidArchiveError extends OcmError {
  readonly path: string;
  constructor(path: string, message: string, options?: OcmErrorOptions) {
    super('INVALID_ARCHIVE', `${path}: ${message}`, options);
    this.path = path;
  }
}

/** `artifact-index.json` cannot be read as a CTF index. */
export class InvalidIndexError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('INVALID_CTF_INDEX', `artifact-index.json: ${message}`, options);
  }
}

/** Another writer held the CTF lock for longer than the caller was prepared to wait. */
export class LockTimeoutError extends OcmError {
  constructor(lockPath: string, holder: string, waitedMs: number, options?: OcmErrorOptions) {
    super('LOCK_TIMEOUT', `could not lock ${lockPath} within ${waitedMs} ms: held by ${holder}`, {
      hint: `another ocm process is writing this archive; if none is, remove ${lockPath}`,
      ...options,
    });
  }
}

/** A write was attempted on a CTF opened read-only. */
export class ReadOnlyError extends OcmError {
  constructor(path: string) {
    super('READ_ONLY', `${path} is opened read-only`);
  }
}
