/**
 * The real-registry harness: CNCF Distribution (`docker-registry serve CONFIG`, Debian package
 * `docker-registry`) on a free loopback port with temporary storage and deletes enabled, in four
 * variants. Each registry runs under a small `sh` guard that kills it when the pipe to its stdin
 * closes: on `close()`, and whenever this process ends (normally, on SIGINT, even on SIGKILL), so no
 * registry outlives the test run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Agent, request } from 'undici';
import type { RegistryStoreOptions } from '../../src/registry/index.js';
import { RegistryStore } from '../../src/registry/index.js';
import { makeTlsFiles } from './registry-certs.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export type RegistryVariant = 'anonymous' | 'htpasswd' | 'token' | 'tls';
export const registryVariants: readonly RegistryVariant[] = ['anonymous', 'htpasswd', 'token', 'tls'];

export interface StartOptions {
  /** `storage.delete.enabled`. Default true. */
  readonly deletes?: boolean;
  /** Token variant: answer `{access_token}` instead of `{token}`. */
  readonly accessTokenField?: boolean;
  /** Token variant: `expires_in` of tokens, in seconds. Default 300. */
  readonly tokenExpiresIn?: number;
}

export interface TestRegistry {
  readonly variant: RegistryVariant;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** `http(s)://127.0.0.1:PORT` */
  readonly url: string;
  readonly dir: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Token variant: the refresh token its token server accepts. */
  readonly refreshToken: string | undefined;
  readonly tokenServer: TokenServer | undefined;
  /** TLS variant: the CA certificate (PEM file) and a skopeo cert dir holding it. */
  readonly caFile: string | undefined;
  readonly certDir: string | undefined;
  /** Store options for this registry: TLS and credentials set; `extra` wins. */
  storeOptions(extra?: Partial<RegistryStoreOptions>): RegistryStoreOptions;
  open(extra?: Partial<RegistryStoreOptions>): RegistryStore;
  /** skopeo options for this registry as `--src-...` or `--dest-...` options (or global for `list-tags`). */
  skopeoArgs(side: 'src' | 'dest' | ''): string[];
  /** What the registry printed (access log lines included), for assertions and post-mortems. */
  output(): string;
  /** The registry's configuration file, for `docker-registry garbage-collect` (test/support/registry-gc.ts). */
  readonly configFile: string;
  /** Stops the registry process and keeps its storage, port and configuration; `start()` serves them again. */
  stop(): Promise<void>;
  /** Kills the registry process with SIGKILL (no shutdown), keeping storage, port and configuration. */
  kill(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Fails with the package names when the programs the registry tests need are missing. */
export function requirePrograms(...programs: string[]): void {
  const missing = programs.filter((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0);
  if (missing.length) {
    throw new Error(
      `missing programs ${missing.join(', ')}: run the tests with \`node scripts/test.mjs\` as root, or apt-get install docker-registry skopeo openssl`,
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startRegistry(
  variant: RegistryVariant,
  options: StartOptions = {},
): Promise<TestRegistry> {
  requirePrograms('docker-registry', 'openssl');
  const dir = mkdtempSync(join(tmpdir(), `ocm-registry-${variant}-`));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const username = variant === 'htpasswd' || variant === 'token' ? 'ocm-user' : undefined;
  const password = username ? `pw-${Math.random().toString(36).slice(2)}-secret` : undefined;
  const refreshToken = variant === 'token' ? `refresh-${Math.random().toString(36).slice(2)}` : undefined;
  const http: Record<string, unknown> = { addr: host, secret: 'ocm-ts-test-secret' };
  let auth: Record<string, unknown> | undefined;
  let tokenServer: TokenServer | undefined;
  let caFile: string | undefined;
  let certDir: string | undefined;
  if (variant === 'htpasswd') {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, `${username}:${bcrypt.hashSync(password!, 5)}\n`);
    auth = { htpasswd: { realm: 'test', path: file } };
  } else if (variant === 'token') {
    tokenServer = await startTokenServer({
      dir,
      service: 'test-registry',
      issuer: 'test-issuer',
      username: username!,
      password: password!,
      refreshToken: refreshToken!,
      accessTokenField: options.accessTokenField ?? false,
      ...(options.tokenExpiresIn === undefined ? {} : { expiresIn: options.tokenExpiresIn }),
    });
    auth = {
      token: {
        realm: tokenServer.realm,
        service: 'test-registry',
        issuer: 'test-issuer',
        rootcertbundle: tokenServer.certFile,
      },
    };
  } else if (variant === 'tls') {
    const tls = makeTlsFiles(dir);
    caFile = tls.caFile;
    certDir = join(dir, 'certs.d');
    mkdirSync(certDir);
    copyFileSync(tls.caFile, join(certDir, 'ca.crt'));
    http.tls = { certificate: tls.certFile, key: tls.keyFile };
  }
  const config = {
    version: 0.1,
    log: { level: 'warn', formatter: 'text' },
    storage: {
      filesystem: { rootdirectory: join(dir, 'data') },
      delete: { enabled: options.deletes ?? true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http,
    ...(auth ? { auth } : {}),
  };
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML

  // The guard: the registry dies when our end of stdin closes (also when this process dies).
  const serve = () => {
    const child = spawn(
      'sh',
      [
        '-c',
        'docker-registry serve "$1" & p=$!; read _ignored; kill $p 2>/dev/null; wait $p',
        'guard',
        configFile,
      ],
      // Own process group, so a stuck registry can be killed with its guard.
      { stdio: ['pipe', 'pipe', 'pipe'], detached: true },
    );
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, exited };
  };
  let log = '';
  const collect = (c: Buffer) => {
    log += c.toString('utf8');
    if (log.length > 4_000_000) log = log.slice(-2_000_000);
  };
  let running: ReturnType<typeof serve> | undefined = serve();
  const url = `${variant === 'tls' ? 'https' : 'http'}://${host}`;

  const stop = async () => {
    if (!running) return;
    const { child, exited } = running;
    running = undefined;
    child.stdin!.end();
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    if (!running) return;
    const { child, exited } = running;
    running = undefined;
    try {
      process.kill(-child.pid!, 'SIGKILL'); // the guard's process group: the guard and the registry
    } catch {
      // already gone
    }
    await exited;
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await stop();
    await tokenServer?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const start = async () => {
    if (closed) throw new Error('the registry is closed');
    running ??= serve();
    await waitReady(url, caFile, () => log, running.exited);
  };

  try {
    await start();
  } catch (err) {
    await close();
    throw err;
  }

  const storeOptions = (extra: Partial<RegistryStoreOptions> = {}): RegistryStoreOptions => ({
    host,
    ...(variant === 'tls' ? { plainHttp: false, caFile } : {}),
    ...(username ? { credentials: { username, password: password! } } : {}),
    ...extra,
  });
  return {
    variant,
    host,
    url,
    dir,
    username,
    password,
    refreshToken,
    tokenServer,
    caFile,
    certDir,
    storeOptions,
    open: (extra) => new RegistryStore(storeOptions(extra)),
    skopeoArgs: (side) => {
      const p = side ? `--${side}-` : '--';
      const args: string[] = [];
      if (variant === 'tls') args.push(`${p}cert-dir=${certDir}`);
      else args.push(`${p}tls-verify=false`);
      if (username) args.push(`${p}creds=${username}:${password}`);
      return args;
    },
    output: () => log,
    configFile,
    stop,
    kill,
    start,
    close,
  };
}

async function waitReady(url: string, caFile: string | undefined, log: () => string, exited: Promise<void>) {
  const dispatcher = new Agent(
    caFile ? { connect: { ca: (await import('node:fs')).readFileSync(caFile) } } : {},
  );
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (dead) throw new Error(`docker-registry exited before it was ready:\n${log()}`);
      try {
        const res = await request(`${url}/v2/`, { dispatcher });
        await res.body.dump();
        if (res.statusCode === 200 || res.statusCode === 401) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer on ${url} within 15 s:\n${log()}`);
  } finally {
    await dispatcher.close();
  }
}

/** Starts one registry per test file lazily, and stops it when the file's tests end. */
export function sharedRegistry(variant: RegistryVariant, options: StartOptions = {}) {
  let started: Promise<TestRegistry> | undefined;
  return {
    get: () => {
      started ??= startRegistry(variant, options);
      return started;
    },
    stop: async () => {
      if (started) await (await started).close();
    },
  };
}

/**
 * Runs skopeo, failing with its output when it fails. Asynchronous on purpose: the token variant's
 * token server lives in this process and must keep answering while skopeo runs.
 */
export async function skopeoRaw(args: readonly string[]): Promise<Buffer> {
  requirePrograms('skopeo');
  const child = spawn('skopeo', ['--insecure-policy', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) {
    const shown = args.map((a) => a.replace(/(creds=[^:]*:).*/, '$1REDACTED')).join(' ');
    throw new Error(`skopeo ${shown} failed (${code}):\n${Buffer.concat(err).toString('utf8')}`);
  }
  return Buffer.concat(out);
}

export async function skopeo(args: readonly string[]): Promise<string> {
  return (await skopeoRaw(args)).toString('utf8');
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(pending: Promise<unknown>): Promise<unknown> {
  try {
    await pending;
  } catch (err) {
    return err;
  }
  throw new Error('expected the operation to fail');
}
