import { OcmError, type OcmErrorOptions } from '../errors.js';

/** A request the board's API cannot take (missing or malformed parameters): HTTP 400. */
export class BoardRequestError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('BOARD_BAD_REQUEST', message, options);
  }
}

/** The board cannot do what was asked in this build or configuration (no page built, no stages layer). */
export class BoardUnavailableError extends OcmError {
  constructor(message: string, options?: OcmErrorOptions) {
    super('BOARD_UNAVAILABLE', message, options);
  }
}
