/** Bounded exponential backoff with full jitter, for the idempotent steps of the registry client. */
export interface RetryOptions {
  /** Attempts per step, the first included. Default 5; 1 disables retries. */
  readonly maxAttempts?: number;
  /** Upper bound of the first backoff. Default 200 ms; doubles with each attempt. */
  readonly baseDelayMs?: number;
  /** Upper bound of any computed backoff. Default 5 s. */
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` we honour; a server asking for more fails the step. Default 60 s. */
  readonly maxRetryAfterMs?: number;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
}

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    maxAttempts: Math.max(1, options.maxAttempts ?? 5),
    baseDelayMs: Math.max(0, options.baseDelayMs ?? 200),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? 5000),
    maxRetryAfterMs: Math.max(0, options.maxRetryAfterMs ?? 60_000),
  };
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1). A `Retry-After` is a floor, not a
 * ceiling: we wait at least that long. Returns undefined when the server asks for longer than we allow.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterSeconds?: number,
): number | undefined {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.random() * cap;
  if (retryAfterSeconds === undefined) return jittered;
  const floor = retryAfterSeconds * 1000;
  if (floor > policy.maxRetryAfterMs) return undefined;
  return floor + jittered / 4;
}

/** Parses `Retry-After` (delta seconds or an HTTP date) into seconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** Waits `ms`, rejecting with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * Whether an error means the connection dropped or the response was cut short, so the same
 * request may succeed on a new connection. Aborts by our own signal are never network errors.
 */
export function isNetworkError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, name } = err as { code?: unknown; name?: unknown };
  if (name === 'AbortError' || code === 'UND_ERR_ABORTED') return false;
  if (typeof code === 'string' && (networkCodes.has(code) || code.startsWith('UND_ERR_'))) return true;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isNetworkError(cause);
}
