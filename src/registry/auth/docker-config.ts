import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CredentialError } from '../errors.js';
import type { Credential, CredentialProvider } from './credentials.js';

/**
 * Credentials from a docker `config.json`, as docker, oras and the OCM Go tools read it.
 * The library never reads `process.env` itself: the caller (the CLI) passes the environment.
 */
export interface DockerConfigOptions {
  /**
   * The config file. Default: `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`
   * (both taken from `env`). A missing file means no credentials.
   */
  readonly configFile?: string;
  /**
   * The environment: `DOCKER_CONFIG` and `HOME` locate the file; `PATH` (and the rest) is what a
   * credential helper runs with. Default: empty, so only `configFile` can name a file and helpers
   * are looked up on no PATH at all.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Longest a credential helper may run. Default 30 s. */
  readonly helperTimeoutMs?: number;
}

interface AuthEntry {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
  readonly registrytoken?: string;
}

interface DockerConfig {
  readonly auths?: Readonly<Record<string, AuthEntry>>;
  readonly credHelpers?: Readonly<Record<string, string>>;
  readonly credsStore?: string;
}

const dockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const dockerHubKey = 'https://index.docker.io/v1/';

/** The file `dockerConfigCredentials` reads, for messages and tests. */
export function dockerConfigPath(options: DockerConfigOptions = {}): string | undefined {
  if (options.configFile) return options.configFile;
  const env = options.env ?? {};
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  if (env.HOME) return join(env.HOME, '.docker', 'config.json');
  return undefined;
}

/**
 * A credential provider over a docker config. Per host, in this order (oras' DynamicStore, then the
 * file store): `credHelpers[host]`, else `credsStore`, via `docker-credential-<suffix> get`; when no
 * helper is configured or it knows nothing of the host, the `auths` entry. The file is read on
 * every call, so a `docker login` in between is seen.
 */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialProvider {
  return async (host) => {
    const file = dockerConfigPath(options);
    if (!file) return undefined;
    const config = await readConfig(file);
    if (!config) return undefined;
    const keys = lookupKeys(host);
    const helper = keys.map((k) => config.credHelpers?.[k]).find((h) => h) ?? config.credsStore;
    if (helper) {
      const fromHelper = await runHelper(helper, serverAddress(host), options);
      if (fromHelper) return fromHelper;
    }
    const entry = findAuth(config.auths ?? {}, keys);
    return entry ? fromAuthEntry(entry) : undefined;
  };
}

async function readConfig(file: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredentialError(`cannot read docker config ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
    return doc as DockerConfig;
  } catch {
    // The parser's message may quote file content, which holds secrets: say only where.
    throw new CredentialError(`docker config ${file} is not valid JSON`);
  }
}

/**
 * The config keys that may hold a host's credentials, most specific first: the host as given
 * (`host:port`), then without the port; Docker Hub's API hosts map to its legacy key.
 */
export function lookupKeys(host: string): string[] {
  const keys = [host];
  const bare = host.replace(/:\d+$/, '');
  if (bare !== host) keys.push(bare);
  if (dockerHubHosts.has(bare)) keys.push('index.docker.io', dockerHubKey);
  return [...new Set(keys)];
}

function serverAddress(host: string): string {
  return dockerHubHosts.has(host) ? dockerHubKey : host;
}

/** Strips `http(s)://` and any path, as docker does when matching `auths` keys. */
export function normaliseAuthKey(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

function findAuth(
  auths: Readonly<Record<string, AuthEntry>>,
  keys: readonly string[],
): AuthEntry | undefined {
  for (const k of keys) if (auths[k]) return auths[k];
  for (const k of keys) {
    const match = Object.keys(auths).find((key) => normaliseAuthKey(key) === k);
    if (match) return auths[match];
  }
  return undefined;
}

function fromAuthEntry(entry: AuthEntry): Credential | undefined {
  const out: { username?: string; password?: string; identityToken?: string; registryToken?: string } = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new CredentialError('docker config: an "auth" entry is not base64 of user:password');
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1);
  } else if (entry.username !== undefined || entry.password !== undefined) {
    out.username = entry.username ?? '';
    out.password = entry.password ?? '';
  }
  if (entry.identitytoken) out.identityToken = entry.identitytoken;
  if (entry.registrytoken) out.registryToken = entry.registrytoken;
  return Object.keys(out).length ? out : undefined;
}

/** Runs `docker-credential-<suffix> get`; undefined when the helper has nothing for this server. */
function runHelper(
  suffix: string,
  server: string,
  options: DockerConfigOptions,
): Promise<Credential | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(suffix)) {
    return Promise.reject(
      new CredentialError(`docker config names an invalid credential helper ${JSON.stringify(suffix)}`),
    );
  }
  const program = `docker-credential-${suffix}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], {
      env: { ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.helperTimeoutMs ?? 30_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        new CredentialError(
          `credential helper ${program} could not run (${e.code ?? 'error'})`,
          `install ${program} on the PATH or remove it from the docker config`,
        ),
      );
    });
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code !== 0) {
        const said = `${stdout}\n${Buffer.concat(err).toString('utf8')}`;
        if (/credentials not found/i.test(said)) resolve(undefined);
        else reject(new CredentialError(`credential helper ${program} failed with exit code ${code}`));
        return;
      }
      let doc: { Username?: unknown; Secret?: unknown };
      try {
        doc = JSON.parse(stdout) as typeof doc;
      } catch {
        reject(new CredentialError(`credential helper ${program} printed no JSON`));
        return;
      }
      const username = typeof doc.Username === 'string' ? doc.Username : '';
      const secret = typeof doc.Secret === 'string' ? doc.Secret : '';
      if (!secret) resolve(undefined);
      else if (username === '<token>') resolve({ identityToken: secret });
      else resolve({ username, password: secret });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(server);
  });
}
