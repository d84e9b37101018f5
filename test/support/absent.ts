/**
 * "Absent" for verifiers: only a `NotFoundError` (or, for files, ENOENT) means the thing is not
 * there. Any other failure (a corrupt index, a digest mismatch, a crash) is what a crash or
 * concurrency test exists to find, so it propagates and fails the test.
 */
import { NotFoundError } from '../../src/errors.js';

/** The value, or undefined when `pending` rejects with `NotFoundError`; other errors are thrown. */
export async function orAbsent<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** The value, or undefined when `pending` rejects with a file-system ENOENT; other errors are thrown. */
export async function orNoFile<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return undefined;
    throw err;
  }
}
