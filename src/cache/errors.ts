import { OcmError, type OcmErrorOptions } from '../errors.js';

/** A cache setting that cannot be used (a size that is not a whole number of bytes, say). */
export class InvalidCacheOptionError extends OcmError {
  constructor(message: string, options: OcmErrorOptions = {}) {
    super('INVALID_CACHE_OPTION', message, {
      hint: 'give sizes in bytes, or with a unit: 512MiB, 1GiB',
      ...options,
    });
  }
}
