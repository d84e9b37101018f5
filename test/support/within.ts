/** `pending`, or a rejection naming `what` once `ms` have passed: a bounded wait for a test. */
export async function within<T>(pending: Promise<T>, ms: number, what: string): Promise<T> {
  const timeout = AbortSignal.timeout(ms);
  let onAbort: (() => void) | undefined;
  const late = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error(`${what} did not come within ${ms} ms`));
    timeout.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([pending, late]);
  } finally {
    timeout.removeEventListener('abort', onAbort!);
  }
}
