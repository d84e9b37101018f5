/**
 * A token server for the registry's `auth.token` mode: issues ES256 JWTs whose `x5c` header carries
 * the certificate that the registry trusts through `rootcertbundle`. Grants what the `scope`
 * parameters ask for to authenticated callers; anonymous callers get a token without access.
 */
import { randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openssl } from './registry-certs.js';

export interface TokenServerOptions {
  readonly dir: string;
  readonly service: string;
  readonly issuer: string;
  readonly username: string;
  readonly password: string;
  /** Accepted by the OAuth2 refresh-token grant (POST). */
  readonly refreshToken: string;
  /** Answer `{access_token}` instead of `{token}`. Default false. */
  readonly accessTokenField?: boolean;
  /** `expires_in` of issued tokens, in seconds. Default 300. */
  readonly expiresIn?: number;
  /** The first this many tokens are issued already expired (see `TokenServer.expireNext`). Default 0. */
  readonly expiredTokens?: number;
}

export interface TokenRequestRecord {
  readonly method: string;
  readonly scopes: readonly string[];
  readonly authenticated: boolean;
}

export interface TokenServer {
  readonly realm: string;
  readonly certFile: string;
  readonly requests: TokenRequestRecord[];
  /** Tokens issued, so tests can look for them in error messages. */
  readonly issued: string[];
  /**
   * The next `count` tokens are issued already expired: their `exp` claim lies 10 minutes in the
   * past (beyond Distribution's 60 s leeway), while `expires_in` still announces the usual lifetime,
   * as when the registry's clock runs ahead of the client's. The registry rejects them with 401.
   */
  expireNext(count: number): void;
  /** How many expired tokens were issued so far. */
  readonly expiredIssued: number;
  close(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const keyFile = join(options.dir, 'token-key.pem');
  const certFile = join(options.dir, 'token-cert.pem');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=test-token-issuer',
  ]);
  const key = readFileSync(keyFile, 'utf8');
  const certDer = readFileSync(certFile, 'utf8')
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
  const requests: TokenRequestRecord[] = [];
  const issued: string[] = [];
  const expiry = { pending: options.expiredTokens ?? 0, issued: 0 };

  const issue = (scopes: readonly string[], subject: string | undefined): string => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const access = subject
      ? scopes
          .flatMap((s) => s.split(' '))
          .flatMap((s) => {
            const first = s.indexOf(':');
            const last = s.lastIndexOf(':');
            if (first < 0 || last <= first) return [];
            return [
              {
                type: s.slice(0, first),
                name: s.slice(first + 1, last),
                actions: s.slice(last + 1).split(','),
              },
            ];
          })
      : [];
    const head = b64({ alg: 'ES256', typ: 'JWT', x5c: [certDer] });
    const expired = expiry.pending > 0;
    if (expired) {
      expiry.pending -= 1;
      expiry.issued += 1;
    }
    const issuedAt = expired ? now - 1200 : now;
    const body = b64({
      iss: options.issuer,
      aud: options.service,
      sub: subject ?? '',
      iat: issuedAt,
      nbf: issuedAt - 10,
      exp: expired ? now - 600 : now + 300,
      jti: randomUUID(),
      access,
    });
    const signature = sign('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${head}.${body}.${signature.toString('base64url')}`;
    issued.push(token);
    return token;
  };

  const reply = (res: ServerResponse, token: string) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        options.accessTokenField
          ? { access_token: token, expires_in: options.expiresIn ?? 300 }
          : { token, expires_in: options.expiresIn ?? 300 },
      ),
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const ok =
        form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === options.refreshToken;
      requests.push({ method: 'POST', scopes, authenticated: ok });
      if (!ok) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        return;
      }
      reply(res, issue(scopes, 'refresh-user'));
      return;
    }
    const scopes = url.searchParams.getAll('scope');
    const auth = req.headers.authorization;
    let subject: string | undefined;
    if (auth?.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (user !== options.username || rest.join(':') !== options.password) {
        requests.push({ method: 'GET', scopes, authenticated: false });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      subject = user;
    }
    requests.push({ method: 'GET', scopes, authenticated: subject !== undefined });
    reply(res, issue(scopes, subject));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    requests,
    issued,
    expireNext: (count) => {
      expiry.pending = count;
    },
    get expiredIssued() {
      return expiry.issued;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
