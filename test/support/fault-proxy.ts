/**
 * An in-process HTTP proxy between a client and a plain-HTTP registry that injects faults at set
 * rates: 503s, 429s with `Retry-After`, reset connections (before the request reaches the registry,
 * or after, with the answer lost) and truncated bodies. Faults are drawn from a seeded generator
 * and bounded in count, so a test terminates and can be replayed.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind = 'status503' | 'status429' | 'resetBefore' | 'resetAfter' | 'truncate';

export interface FaultProxyOptions {
  /** `host:port` of the plain-HTTP registry. */
  readonly target: string;
  /** Probability per request of each fault, 0..1; the sum must stay at or below 1. */
  readonly rates: Partial<Record<FaultKind, number>>;
  /** Stop injecting after this many faults. Default 50. */
  readonly maxFaults?: number;
  /** `Retry-After` seconds sent with 429. Default 1. */
  readonly retryAfterSeconds?: number;
  /** Seed of the fault generator. Default 1. */
  readonly seed?: number;
  /** Only requests whose method and path this accepts may get a fault. Default: all. */
  readonly only?: (method: string, path: string) => boolean;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT` to give the client as the registry host. */
  readonly host: string;
  readonly faults: Record<FaultKind, number>;
  /** Requests received so far. */
  readonly requests: number;
  /** The most requests that were in flight at once. */
  readonly maxInFlight: number;
  /** Method and path of every request received, in order. */
  readonly log: readonly string[];
  close(): Promise<void>;
}

/** mulberry32: small, seedable, good enough to spread faults. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = generator(options.seed ?? 1);
  const maxFaults = options.maxFaults ?? 50;
  const faults: Record<FaultKind, number> = {
    status503: 0,
    status429: 0,
    resetBefore: 0,
    resetAfter: 0,
    truncate: 0,
  };
  const [targetHost, targetPort] = options.target.split(':') as [string, string];
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const state = { requests: 0, total: 0, inFlight: 0, maxInFlight: 0 };
  const log: string[] = [];

  const pick = (method: string, path: string): FaultKind | undefined => {
    if (state.total >= maxFaults) return undefined;
    if (options.only && !options.only(method, path)) return undefined;
    let r = random();
    for (const [kind, rate] of Object.entries(options.rates) as [FaultKind, number][]) {
      if (r < rate) {
        state.total += 1;
        faults[kind] += 1;
        return kind;
      }
      r -= rate;
    }
    return undefined;
  };

  const errorBody = (code: string) => JSON.stringify({ errors: [{ code, message: 'injected fault' }] });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    state.requests += 1;
    log.push(`${req.method} ${req.url}`);
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let done = false;
    const finish = () => {
      if (!done) state.inFlight -= 1;
      done = true;
      // One listener per request on a keep-alive socket would pile up (MaxListenersExceededWarning).
      req.socket.off('close', finish);
    };
    res.on('close', finish);
    req.socket.on('close', finish);
    const fault = pick(req.method ?? 'GET', req.url ?? '/');
    if (fault === 'resetBefore') {
      req.socket.destroy();
      return;
    }
    if (fault === 'status503' || fault === 'status429') {
      req.resume();
      req.on('end', () => {
        const body = errorBody(fault === 'status503' ? 'UNAVAILABLE' : 'TOOMANYREQUESTS');
        res.writeHead(fault === 'status503' ? 503 : 429, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(fault === 'status429' ? { 'retry-after': String(options.retryAfterSeconds ?? 1) } : {}),
        });
        res.end(body);
      });
      return;
    }
    const upstream = httpRequest(
      {
        host: targetHost,
        port: Number(targetPort),
        method: req.method,
        path: req.url,
        headers: req.headers, // Host stays the proxy's, so Locations point back through it
        agent,
      },
      (up) => {
        if (fault === 'resetAfter') {
          up.resume();
          up.on('end', () => req.socket.destroy());
          return;
        }
        const length = Number(up.headers['content-length'] ?? '0');
        if (fault === 'truncate' && length > 1 && req.method !== 'HEAD') {
          res.writeHead(up.statusCode ?? 502, up.headers);
          let sent = 0;
          const cut = Math.floor(length / 2);
          up.on('data', (chunk: Buffer) => {
            if (sent >= cut) return;
            const part = chunk.subarray(0, cut - sent);
            sent += part.byteLength;
            res.write(part);
            if (sent >= cut) {
              up.destroy();
              // Let the partial body reach the client before the connection drops.
              setTimeout(() => req.socket.destroy(), 5);
            }
          });
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  };

  const server: Server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxy: FaultProxy = {
    host: `127.0.0.1:${port}`,
    faults,
    get requests() {
      return state.requests;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/**
 * A proxy that forwards the `position`-th request to a component's repository (counted from 1) and
 * drops the connection before its answer, once: the client sees the request fail, the registry has
 * done it. For the tests that cut a command at every request position in turn.
 */
export function startCutProxy(target: string, position: number): Promise<FaultProxy> {
  let seen = 0;
  return startFaultProxy({
    target,
    rates: { resetAfter: 1 },
    maxFaults: 1,
    only: (_method, path) => path.includes('/component-descriptors/') && ++seen === position,
  });
}
