import assert from 'node:assert/strict';
import { InvalidDescriptorError } from '../../src/descriptor/index.js';

/** The `InvalidDescriptorError` that `fn` throws; fails the test when it throws anything else or nothing. */
export function descriptorError(fn: () => unknown): InvalidDescriptorError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InvalidDescriptorError, `expected InvalidDescriptorError, got ${String(e)}`);
    return e;
  }
  return assert.fail('expected an InvalidDescriptorError, nothing was thrown');
}
