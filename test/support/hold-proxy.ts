/**
 * An in-process HTTP proxy in front of a plain-HTTP registry that passes every request through,
 * except the first one a test asks it to hold: that one never reaches the registry and never gets an
 * answer, so the client is caught at a known step (then a test kills it).
 */
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface HoldProxy {
  /** `127.0.0.1:PORT`, to give the client as the registry host. */
  readonly host: string;
  /**
   * Holds the next request that `matches` accepts; resolves with its method and path when it comes.
   * One hold at a time.
   */
  hold(matches: (method: string, path: string) => boolean): Promise<string>;
  /** Stops holding; a request held already stays held until its client goes away. */
  release(): void;
  /** Method and path of every request that passed or was held, in order. */
  readonly log: readonly string[];
  close(): Promise<void>;
}

export async function startHoldProxy(target: string): Promise<HoldProxy> {
  const [targetHost, targetPort] = target.split(':') as [string, string];
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const log: string[] = [];
  let waiting: { matches: (m: string, p: string) => boolean; hit: (what: string) => void } | undefined;

  const server: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    log.push(`${method} ${path}`);
    if (waiting?.matches(method, path)) {
      const { hit } = waiting;
      waiting = undefined;
      hit(`${method} ${path}`);
      return; // held: no answer, ever
    }
    const upstream = httpRequest(
      { host: targetHost, port: Number(targetPort), method, path, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    host: `127.0.0.1:${address.port}`,
    log,
    hold(matches) {
      if (waiting) throw new Error('a hold is waiting already');
      return new Promise((hit) => {
        waiting = { matches, hit };
      });
    },
    release() {
      waiting = undefined;
    },
    async close() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
