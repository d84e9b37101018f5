import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError, InputNotFoundError, PathEscapeError } from './errors.js';

/** True when `path` is `base` or below it; both absolute and normalised. */
export function isInside(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The real path of an input path written in a constructor. `base` is the real path of the
 * constructor's directory. Refused with `PathEscapeError`: a path that leaves `base` as written
 * (`../x`, an absolute path elsewhere) or once symbolic links are resolved. A path that does not
 * exist is `InputNotFoundError`. Absolute paths inside `base` are accepted (templated `${PWD}/x`).
 *
 * The check and the later read are not atomic: someone who can rewrite the constructor directory
 * while we read it could swap a checked path for a link. The constructor's directory is trusted
 * for that much; the check protects against what the constructor file says, not against a race.
 */
export async function resolveInputPath(base: string, written: string): Promise<string> {
  if (written.includes('\0')) throw new InputError(written, 'contains a NUL character');
  const lexical = resolve(base, written);
  if (!isInside(base, lexical)) {
    throw new PathEscapeError(
      written,
      isAbsolute(written)
        ? 'is an absolute path outside the constructor directory'
        : 'leaves the constructor directory',
    );
  }
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (error) {
    throw notFound(written, error);
  }
  if (!isInside(base, real)) {
    throw new PathEscapeError(written, 'leads through a symbolic link outside the constructor directory');
  }
  return real;
}

/** The error for a failed file system call on an input path: not found, or another typed failure. */
export function notFound(written: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new InputNotFoundError(written, 'does not exist', { cause: error });
  if (code === 'ELOOP') return new InputError(written, 'has a cycle of symbolic links', { cause: error });
  return new InputError(written, `cannot be read (${code ?? 'unknown error'})`, { cause: error });
}
