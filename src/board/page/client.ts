/**
 * The page's client of the board's API: JSON requests, the write token, and the board's row stream.
 * The write token arrives once in the URL fragment (`#token=...`, never sent to a server), is kept
 * in sessionStorage and sent as `Authorization: Bearer` with moves.
 */
import type { BoardStreamLine } from '../api.js';

let token = sessionStorage.getItem('ocm-board-token') ?? '';
{
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    token = m[1]!;
    sessionStorage.setItem('ocm-board-token', token);
    history.replaceState(null, '', `${location.pathname}#/`);
  }
}

/** Whether this page holds the write token. */
export function hasToken(): boolean {
  return token !== '';
}

export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly details?: unknown;
}

export class RequestFailed extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

async function failure(res: Response): Promise<RequestFailed> {
  const body = (await res.json().catch(() => ({}))) as { error?: ApiError };
  return new RequestFailed(res.status, body.error ?? { code: 'HTTP', message: `HTTP ${res.status}` });
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: { accept: 'application/json', ...(init.headers ?? {}) },
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return api<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

/** `GET /api/board/rows`: each line as it arrives. */
export async function* boardLines(signal: AbortSignal): AsyncGenerator<BoardStreamLine> {
  const res = await fetch('/api/board/rows', { headers: { accept: 'application/x-ndjson' }, signal });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += value;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line) yield JSON.parse(line) as BoardStreamLine;
      nl = buffered.indexOf('\n');
    }
  }
}
