import { TooLargeError } from '../oci/errors.js';
import type { RegistryClient } from './client.js';
import { RegistryError, redactUrl } from './errors.js';
import { discard, type HttpResponse, header, readBody } from './transport.js';

/** The `rel="next"` target of a `Link` header, resolved against the request; same origin only. */
export function nextLink(res: HttpResponse): URL | undefined {
  const link = header(res, 'link');
  const m = link ? /<([^>]*)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!m?.[1]) return undefined;
  const next = new URL(m[1], res.url);
  return next.origin === res.url.origin ? next : undefined;
}

interface ListPage {
  readonly list: string[];
  readonly next: URL | undefined;
}

/**
 * Pages of a listing (`tags` or `repositories`): follows `Link`; without one, asks again after the
 * last entry while full pages come back. Entries at or before `after` are dropped, so a server that
 * ignores `n` or `last` still yields each entry once and the loop ends.
 */
export async function* pages(
  client: RegistryClient,
  first: URL,
  key: 'tags' | 'repositories',
  scopes: readonly string[],
  signal: AbortSignal | undefined,
  after?: string,
): AsyncIterable<readonly string[]> {
  const n = Number(first.searchParams.get('n') ?? '1000');
  let url: URL | undefined = first;
  let last = after;
  while (url) {
    const page: ListPage | undefined = await client.call<ListPage | undefined>(
      { method: 'GET', url, scopes, expect: [200, 404], idempotent: true, signal },
      async (res) => {
        if (res.status === 404) {
          await discard(res);
          return undefined;
        }
        const body = await readBody(
          res,
          16 * 1024 * 1024,
          () => new TooLargeError(`${key} list`, 16 * 1024 * 1024),
        );
        let doc: Record<string, unknown>;
        try {
          doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch (cause) {
          throw new RegistryError(
            { method: 'GET', url: redactUrl(res.url), status: res.status, temporary: false },
            { cause, hint: `the ${key} listing is not JSON` },
          );
        }
        const raw = doc[key];
        const list = Array.isArray(raw) ? raw.filter((t): t is string => typeof t === 'string') : [];
        return { list, next: nextLink(res) };
      },
    );
    if (!page) return;
    const fresh = page.list.filter((t) => last === undefined || t > last).sort();
    if (fresh.length) yield fresh;
    if (page.next) url = page.next;
    else if (fresh.length > 0 && page.list.length === n) {
      url = new URL(first);
      url.searchParams.set('last', fresh[fresh.length - 1]!);
    } else url = undefined;
    if (fresh.length) last = fresh[fresh.length - 1];
    else if (!page.next) return;
  }
}
