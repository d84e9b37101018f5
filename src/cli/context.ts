import { join, resolve } from 'node:path';
import { readAll } from '../oci/content/read.js';
import type {
  ContentCache,
  Credential,
  CredentialProvider,
  OpenCacheOptions,
  OpenedArtifactSource,
  OpenedRepository,
  OpenRepositoryOptions,
} from '../open.js';
import type { RepositoryOpener } from '../stages/places.js';
import { flag, type Parsed, str } from './args.js';
import { actorOf } from './commands/actor.js';
import { type CliIO, UsageError } from './io.js';
import { Progress } from './render.js';

/** What every command gets: the injected world, the global flags, and repositories it opened. */
export class Context {
  readonly io: CliIO;
  readonly values: Parsed['values'];
  readonly quiet: boolean;
  readonly #opened: { close(): Promise<void> }[] = [];
  #credentials: Credential | CredentialProvider | undefined;

  constructor(io: CliIO, values: Parsed['values']) {
    this.io = io;
    this.values = values;
    this.quiet = flag(values, 'quiet');
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  /** A note for people (stderr), silenced by --quiet. */
  note(text: string): void {
    if (!this.quiet) this.io.stderr.write(`${text}\n`);
  }

  progress(): Progress {
    const tty = this.io.isTTY === true && !this.quiet;
    return new Progress(tty ? (t) => this.io.stderr.write(t) : undefined, this.io.columns ?? 80);
  }

  /** Credentials: --username with --password-stdin, else the docker config (DOCKER_CONFIG, ~/.docker). */
  async credentials(): Promise<Credential | CredentialProvider> {
    if (this.#credentials) return this.#credentials;
    const username = str(this.values, 'username');
    if (flag(this.values, 'password-stdin')) {
      if (!username) throw new UsageError('--password-stdin needs --username');
      if (!this.io.stdin) throw new UsageError('--password-stdin: no standard input');
      const password = Buffer.from(await readAll(this.io.stdin, 64 * 1024))
        .toString('utf8')
        .replace(/\r?\n$/, '');
      if (password === '') throw new UsageError('--password-stdin: standard input is empty');
      this.#credentials = { username, password };
    } else if (username) {
      throw new UsageError(
        '--username needs --password-stdin',
        'pipe the password in: echo "$PASSWORD" | ocm ... --username USER --password-stdin',
      );
    } else {
      const { dockerConfigCredentials } = await import('../open.js');
      this.#credentials = dockerConfigCredentials({ env: this.io.env });
    }
    return this.#credentials;
  }

  /** Credentials and connection flags, as every registry connection of this run uses them. */
  async connection(): Promise<
    Pick<OpenRepositoryOptions, 'credentials' | 'plainHttp' | 'insecure' | 'caFile'>
  > {
    const caFile = str(this.values, 'ca-file');
    return {
      credentials: await this.credentials(),
      ...(flag(this.values, 'plain-http') ? { plainHttp: true } : {}),
      ...(flag(this.values, 'insecure') ? { insecure: true } : {}),
      ...(caFile ? { caFile } : {}),
    };
  }

  /**
   * Where the content cache lives: `OCM_CACHE_DIR`, else `$XDG_CACHE_HOME/ocm-ts`, else
   * `~/.cache/ocm-ts`; undefined with `--no-cache` or when none of these is set.
   */
  cacheOptions(): OpenCacheOptions | undefined {
    if (flag(this.values, 'no-cache')) return undefined;
    const env = this.io.env;
    const dir =
      env.OCM_CACHE_DIR ||
      (env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'ocm-ts') : undefined) ||
      (env.HOME ? join(env.HOME, '.cache', 'ocm-ts') : undefined);
    // A relative directory is relative to the command's working directory, like every other path.
    return dir ? { dir: resolve(this.io.cwd, dir) } : undefined;
  }

  /** The content cache (for `ocm cache`), or undefined when there is none. */
  async cache(): Promise<ContentCache | undefined> {
    const options = this.cacheOptions();
    if (!options) return undefined;
    const { ContentCache } = await import('../open.js');
    return new ContentCache(options);
  }

  async open(
    reference: string,
    options: Pick<OpenRepositoryOptions, 'create' | 'readOnly'> = {},
  ): Promise<OpenedRepository> {
    const { openRepository } = await import('../open.js');
    const cache = this.cacheOptions();
    const opened = await openRepository(reference, {
      cwd: this.io.cwd,
      // The actor of history events that a command records without naming one (sign, add, transfer).
      history: { actor: actorOf(str(this.values, 'by'), this.io.env) },
      ...(await this.connection()),
      ...(cache ? { cache } : {}),
      ...options,
    });
    this.#opened.push(opened);
    return opened;
  }

  /**
   * Opens the repositories that stages documents name (`repository:`), each once per command, with
   * this command's credentials (per registry, from the docker config) and flags. A CTF that does not
   * exist is created only when asked (`create`: a promotion hands over into it); a failed open is
   * not remembered.
   */
  stageOpener(how: { readonly readOnly?: boolean } = {}): RepositoryOpener {
    const opened = new Map<string, Promise<OpenedRepository>>();
    return async (reference, options) => {
      const known = opened.get(reference);
      if (known) return (await known).repository;
      const opening = this.open(reference, {
        ...(options.create === true && how.readOnly !== true ? { create: true } : {}),
        ...(how.readOnly === true ? { readOnly: true } : {}),
      });
      opened.set(reference, opening);
      opening.catch(() => opened.delete(reference));
      return (await opening).repository;
    };
  }

  /** Registries opened on demand for image references (transfer --copy-resources). */
  async artifactSource(): Promise<OpenedArtifactSource> {
    const { artifactSource } = await import('../open.js');
    const source = artifactSource(await this.connection());
    this.#opened.push(source);
    return source;
  }

  /** The first repository this command opened (the one its reference names), if any is open. */
  firstOpened(): OpenedRepository | undefined {
    return this.#opened.find((o): o is OpenedRepository => 'repository' in o);
  }

  async close(): Promise<void> {
    for (const o of this.#opened.splice(0)) await o.close().catch(() => {});
  }
}
