import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface FileWatchOptions {
  readonly signal?: AbortSignal;
  /** Interval of the polling fallback, in ms. Default 30 s. */
  readonly pollInterval?: number;
  /** Poll even where `fs.watch` works (network file systems deliver no events). Default false. */
  readonly poll?: boolean;
}

/**
 * Yields whenever the file at `path` may have changed since the call (the watch starts at once, not
 * on the first `next()`), coalescing changes that happen while the consumer is busy into one wake-up.
 * The CTF replaces its index (or a .tar/.tgz archive) by rename, so the watch is on the parent
 * directory, filtered by name: a watch on the file itself would follow the old inode and go quiet
 * after the first write. Where `fs.watch` is unavailable or fails (inotify limits, some network file
 * systems) it falls back to comparing the file's identity (device, inode, size, mtime) every
 * `pollInterval`. Ends, releasing the watch, when the signal aborts or `return()` is called.
 */
export function watchFile(path: string, options: FileWatchOptions = {}): AsyncIterableIterator<void> {
  const { signal } = options;
  const name = basename(path);
  const pollInterval = Math.max(10, options.pollInterval ?? 30_000);
  let pending = false;
  let closed = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const notify = () => {
    pending = true;
    wake?.();
  };
  const close = () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener('abort', close);
    watcher?.close();
    watcher = undefined;
    clearTimeout(timer);
    wake?.();
  };
  const startPolling = () => {
    let last: Promise<string> = identity(path);
    const tick = async () => {
      const before = await last;
      last = identity(path);
      if ((await last) !== before) notify();
      if (!closed) timer = setTimeout(tick, pollInterval);
    };
    timer = setTimeout(tick, pollInterval);
  };

  if (signal?.aborted) closed = true;
  else {
    signal?.addEventListener('abort', close, { once: true });
    if (!options.poll) {
      try {
        watcher = watch(dirname(path), { persistent: true }, (_event, filename) => {
          if (filename === null || filename === name) notify();
        });
        watcher.on('error', () => {
          watcher?.close();
          watcher = undefined;
          if (!closed) startPolling();
        });
      } catch {
        watcher = undefined;
      }
    }
    if (!watcher) startPolling();
  }

  const iterator: AsyncIterableIterator<void> = {
    async next() {
      while (!closed && !pending) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (closed) return { done: true, value: undefined };
      pending = false;
      return { done: false, value: undefined };
    },
    async return() {
      close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

async function identity(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return 'absent';
  }
}
