import { setMaxListeners } from 'node:events';

/**
 * Runs one operation under its own signal: it follows `parent` through one listener, removed when
 * the operation ends, so `parent` (a process-wide signal) carries one listener per operation in
 * flight, not one per request of each. `listeners` is how many listeners the operation's own work
 * may hold at once (its declared concurrency times what one step holds), the bound past which Node
 * warns of a leak.
 */
export async function withOperationSignal<R>(
  parent: AbortSignal | undefined,
  listeners: number,
  fn: (signal: AbortSignal | undefined) => Promise<R>,
): Promise<R> {
  if (parent === undefined) return fn(undefined);
  parent.throwIfAborted();
  const controller = new AbortController();
  setMaxListeners(Math.max(10, listeners), controller.signal);
  const follow = () => controller.abort(parent.reason);
  parent.addEventListener('abort', follow, { once: true });
  try {
    return await fn(controller.signal);
  } finally {
    parent.removeEventListener('abort', follow);
  }
}
