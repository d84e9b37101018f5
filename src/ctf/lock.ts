import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { InvalidArchiveError, LockTimeoutError } from './errors.js';

/**
 * A cross-process write lock for one CTF: an exclusively created file beside the archive
 * (`<path>.lock`, never inside it), holding the owner's host, pid, process start time and a nonce.
 *
 * - A lock whose owner is dead (same host, pid gone, or pid reused by a process that started at
 *   another time) is stale and is broken. Breaking is serialised by a second lock file
 *   (`<path>.lock.break`) and removes the stale file only if it still holds the nonce that was
 *   judged stale, so two breakers can never remove a lock a live process has just taken.
 * - A lock held by another host is never broken automatically: the caller times out with a hint.
 * - Within one process, callers queue in memory first, so the file is taken once at a time.
 */
export interface LockOptions {
  /** How long to wait for the lock. Default 60 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface Lock {
  release(): Promise<void>;
}

interface Owner {
  readonly host: string;
  readonly pid: number;
  /** Start time of the process in clock ticks since boot (Linux), to detect pid reuse. */
  readonly start?: number;
  readonly nonce: string;
}

/** A lock file that holds no parseable owner this long after its creation was left by a dying writer. */
const UNREADABLE_GRACE_MS = 2000;
const inProcess = new Map<string, Promise<void>>();

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<Lock> {
  // Queue behind earlier holders in this process.
  const previous = inProcess.get(lockPath) ?? Promise.resolve();
  let releaseQueue!: () => void;
  const mine = new Promise<void>((resolve) => {
    releaseQueue = resolve;
  });
  const tail = previous.then(() => mine);
  inProcess.set(lockPath, tail);
  const done = () => {
    releaseQueue();
    if (inProcess.get(lockPath) === tail) inProcess.delete(lockPath);
  };
  try {
    await waitFor(previous, options.signal);
    const owner = await takeFileLock(lockPath, options);
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        try {
          const current = await readOwner(lockPath);
          if (current?.nonce === owner.nonce) await unlink(lockPath).catch(ignoreMissing);
        } finally {
          done();
        }
      },
    };
  } catch (err) {
    done();
    throw err;
  }
}

/** Runs `fn` while holding the lock. */
export async function withLock<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(lockPath, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

async function takeFileLock(lockPath: string, options: LockOptions): Promise<Owner> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  const me: Owner = {
    host: hostname(),
    pid: process.pid,
    start: await processStart(process.pid),
    nonce: nonce(),
  };
  let delay = 2;
  for (;;) {
    options.signal?.throwIfAborted();
    if (await tryCreate(lockPath, me)) return me;
    const holder = await readOwner(lockPath);
    if (holder === undefined) {
      // Created but not yet written, or left empty by a writer that died in between.
      const age = await fileAge(lockPath);
      if (age !== undefined && age > UNREADABLE_GRACE_MS) await breakStale(lockPath, undefined);
    } else if (holder.host === me.host && !(await isAlive(holder))) {
      await breakStale(lockPath, holder.nonce);
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      throw new LockTimeoutError(
        lockPath,
        holder ? `pid ${holder.pid} on ${holder.host}` : 'an unknown writer',
        waited,
      );
    }
    await sleep(Math.min(delay, timeoutMs - waited) * (0.5 + Math.random()), options.signal);
    delay = Math.min(delay * 2, 100);
  }
}

async function tryCreate(path: string, owner: Owner): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A link would be read, and broken as stale, as if it were the lock: refused, like links inside.
    if ((await lstat(path).catch(() => undefined))?.isSymbolicLink())
      throw new InvalidArchiveError(path, 'is a symbolic link; a CTF lock file must be a plain file', {
        hint: `remove the link ${path}; ocm creates the lock file itself`,
      });
    return false;
  }
  try {
    await handle.writeFile(JSON.stringify(owner));
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Removes the lock at `lockPath` if it still holds `staleNonce` (or still holds no owner, when
 * `staleNonce` is undefined). Serialised through `<lockPath>.break`, whose own holder is dead only
 * if it died in the few microseconds between its checks; such a breaker lock is removed directly.
 */
async function breakStale(lockPath: string, staleNonce: string | undefined): Promise<void> {
  const breaker = `${lockPath}.break`;
  const me: Owner = { host: hostname(), pid: process.pid, nonce: nonce() };
  if (!(await tryCreate(breaker, me))) {
    const holder = await readOwner(breaker);
    const age = await fileAge(breaker);
    const dead = holder
      ? holder.host === me.host && !(await isAlive(holder))
      : age !== undefined && age > UNREADABLE_GRACE_MS;
    if (dead) await unlink(breaker).catch(ignoreMissing);
    return;
  }
  try {
    const current = await readOwner(lockPath);
    if (current?.nonce === staleNonce) await unlink(lockPath).catch(ignoreMissing);
  } finally {
    await unlink(breaker).catch(ignoreMissing);
  }
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const o = value as Record<string, unknown>;
    if (typeof o.host !== 'string' || typeof o.pid !== 'number' || typeof o.nonce !== 'string')
      return undefined;
    return {
      host: o.host,
      pid: o.pid,
      nonce: o.nonce,
      ...(typeof o.start === 'number' ? { start: o.start } : {}),
    };
  } catch {
    return undefined;
  }
}

async function isAlive(owner: Owner): Promise<boolean> {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (owner.start === undefined) return true;
  const start = await processStart(owner.pid);
  return start === undefined || start === owner.start;
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
async function processStart(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

async function fileAge(path: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

function nonce(): string {
  return randomBytes(12).toString('hex');
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function waitFor(promise: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}
