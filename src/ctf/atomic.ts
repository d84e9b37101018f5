import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Crash-safe file replacement: write a temporary file in the target's directory, fsync it, rename
 * it over the target, fsync the directory. A reader sees either the old or the new content, and a
 * `kill -9` at any point leaves the target intact (plus, at worst, a stale temporary file that
 * garbage collection removes).
 */
export async function writeFileAtomic(path: string, content: Uint8Array, mode = 0o644): Promise<void> {
  await commitTempFile(await writeTempFile(path, content, mode), path);
}

/**
 * The first half of `writeFileAtomic`: the content in a fsynced temporary file beside `path`, whose
 * name it returns; `commitTempFile` puts it in place. Lets a caller sync other files meanwhile.
 */
export async function writeTempFile(path: string, content: Uint8Array, mode = 0o644): Promise<string> {
  const tmp = tempPathFor(path);
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  return tmp;
}

/** Makes a file's content durable (fsync), by path. */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Renames a finished, fsynced temporary file into place and makes the rename durable. */
export async function commitTempFile(tmp: string, path: string, sync = true): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (sync) await fsyncDirectory(dirname(path));
}

export function fsyncDirectory(dir: string): Promise<void> {
  return fsyncFile(dir);
}

/** Prefix of every temporary file we create; garbage collection removes stale ones. */
export const TEMP_PREFIX = '.ocm-tmp-';

/** A unique temporary path in the same directory as `path` (so that rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `${TEMP_PREFIX}${basename(path)}.${randomBytes(6).toString('hex')}`);
}

export async function ensureDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
}
