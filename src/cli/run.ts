import { OcmError } from '../errors.js';
import { closest, flag, parse } from './args.js';
import { commands } from './commands/index.js';
import type { Command } from './commands/types.js';
import { Context } from './context.js';
import { type CliIO, UsageError } from './io.js';
import { explainNotFound, notFoundHint } from './suggest.js';

/** Noun spellings users know from the OCM CLIs, mapped to ours. */
const nouns: Readonly<Record<string, string>> = Object.fromEntries([
  ...[
    'cv',
    'cvs',
    'componentversion',
    'componentversions',
    'component-version',
    'component-versions',
    'component',
    'components',
    'comp',
    'comps',
    'c',
  ].map((n) => [n, 'cv']),
  ...['aliases', 'alias'].map((n) => [n, 'aliases']),
  ...['resource', 'resources', 'res', 'r'].map((n) => [n, 'resource']),
  ...['stages', 'stage'].map((n) => [n, 'stages']),
  ...['info', 'prune'].map((n) => [n, n]),
  ['history', 'history'],
  ['evidence', 'evidence'],
]);

const globalHelp = `Global flags:
  -h, --help              help for a command
  -q, --quiet             no progress, no notes on stderr
      --debug             print stack traces
      --plain-http        talk HTTP to the registry (default only for localhost)
      --insecure          accept any TLS certificate
      --ca-file FILE      trust the CA certificates in FILE
  -u, --username USER     registry user; the password comes from --password-stdin
      --password-stdin    read the registry password from standard input
      --no-cache          neither read nor fill the content cache (see ocm cache info)
Credentials otherwise come from the docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json).`;

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `ocm: Open Component Model with version aliases (ocm-ts)

Usage: ocm VERB NOUN [ARGS] [FLAGS]
References: [ctf::|oci::]REPOSITORY//COMPONENT[:VERSION|:ALIAS]
  REPOSITORY is a CTF path (./transport-archive, x.tar, x.tgz) or a registry (localhost:5000/ocm, ghcr.io/org)

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

${globalHelp}
`;
}

function find(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const [verb, second, ...more] = argv;
  const single = commands.find((c) => c.name === verb);
  if (single) return { command: single, rest: argv.slice(1) };
  if (verb === undefined || second === undefined) return undefined;
  const noun = nouns[second];
  const pair = noun === undefined ? undefined : commands.find((c) => c.name === `${verb} ${noun}`);
  return pair ? { command: pair, rest: more } : undefined;
}

/**
 * Runs one `ocm` invocation and returns its exit code: 0 success, 1 failure, 2 usage error, 3 a
 * stage policy refused.
 * Everything it touches comes through `io`; it never exits the process itself.
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug');
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const sub = argv[0] === 'help' ? find(argv.slice(1)) : undefined;
    io.stdout.write(sub ? help(sub.command) : overview());
    return 0;
  }
  const found = find(argv);
  if (!found) return usageFailure(io, unknownCommand(argv));
  const ctx = new Context(io, {});
  try {
    const parsed = parse(found.rest, found.command.options);
    if (flag(parsed.values, 'help')) {
      io.stdout.write(help(found.command));
      return 0;
    }
    const command = new Context(io, parsed.values);
    try {
      const implementation = await found.command.load();
      return await implementation(command, parsed);
    } catch (err) {
      await explainNotFound(command, err);
      throw err;
    } finally {
      await command.close();
    }
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, err, found.command);
    return failure(io, err, debug);
  } finally {
    await ctx.close();
  }
}

function help(command: Command): string {
  return `Usage: ocm ${command.usage}\n\n${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.\n\n${globalHelp}\n`;
}

function unknownCommand(argv: readonly string[]): UsageError {
  const [verb, noun] = argv;
  const verbs = [...new Set(commands.map((c) => c.name.split(' ')[0]!))];
  if (!verbs.includes(verb!)) {
    const guess = closest(verb ?? '', verbs);
    return new UsageError(
      `unknown command ${JSON.stringify(verb)}`,
      guess
        ? `did you mean "ocm ${guess}"? (ocm --help lists the commands)`
        : 'ocm --help lists the commands',
    );
  }
  const options = commands.filter((c) => c.name.startsWith(`${verb} `)).map((c) => c.name);
  // A reference where the noun goes (`ocm tag ./ctf//C:1.0.0 qa`): the noun was left out.
  if (noun !== undefined && /[/:]/.test(noun) && options.includes(`${verb} cv`)) {
    const words = argv.map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a));
    return new UsageError(
      `ocm ${verb} needs a noun before the reference`,
      `did you mean "ocm ${verb} cv ${words.slice(1).join(' ')}"?`,
    );
  }
  const guess = closest(`${verb} ${noun ?? ''}`, options);
  return new UsageError(
    noun === undefined ? `ocm ${verb} needs a noun` : `unknown command "ocm ${verb} ${noun}"`,
    guess ? `did you mean "ocm ${guess}"?` : `try one of: ${options.map((o) => `ocm ${o}`).join(', ')}`,
  );
}

function usageFailure(io: CliIO, err: UsageError, command?: Command): number {
  io.stderr.write(`Error: ${err.message}\n`);
  const hint = err.hint ?? (command ? `see: ocm ${command.name} --help` : undefined);
  if (hint) io.stderr.write(`Hint: ${hint}\n`);
  return 2;
}

function failure(io: CliIO, err: unknown, debug: boolean): number {
  const error = err instanceof Error ? err : new Error(String(err));
  io.stderr.write(`Error: ${error.message}\n`);
  const hint = cliHint(error) ?? (error instanceof OcmError ? error.hint : undefined) ?? hintFor(error);
  if (hint) io.stderr.write(`Hint: ${hint}\n`);
  if (debug && error.stack) io.stderr.write(`${error.stack}\n`);
  // A refused promotion gate, or a plain move onto a gated stage (stages/policy PolicyError).
  if (error instanceof OcmError && error.code === 'POLICY_REFUSED') return 3;
  return 1;
}

/** Where the CLI knows a better next step than the library can. */
function cliHint(error: Error): string | undefined {
  const existing = notFoundHint(error);
  if (existing) return existing;
  if (
    error instanceof OcmError &&
    error.code === 'REGISTRY_UNAUTHORIZED' &&
    (error as { status?: number }).status !== 403
  ) {
    // A wrong password is not a missing login: say which it is.
    return (error as { credentialsOffered?: boolean }).credentialsOffered
      ? 'the registry refused the credentials given: check the user name and password ("docker login HOST" again, or --username USER --password-stdin)'
      : 'no credentials for this registry: log in with "docker login HOST", or pass --username USER --password-stdin';
  }
  if (error instanceof OcmError && error.code === 'VERSION_EXISTS')
    return 'pass --conflict replace to overwrite it, or --conflict skip to keep it (or choose another version)';
  if (error instanceof OcmError && error.code === 'CONSTRUCTOR_NOT_FOUND')
    return 'name it with --constructor FILE (e.g. examples/checkout/component-constructor.yaml); the format: docs/constructor.md';
  return undefined;
}

/** Hints for failures that come from the system rather than from us. */
function hintFor(error: Error): string | undefined {
  const codes = new Set<string>();
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) codes.add(code);
  }
  if (codes.has('ECONNREFUSED'))
    return 'nothing answers there: is the registry running, and is the host and port right?';
  if (codes.has('ENOTFOUND') || codes.has('EAI_AGAIN')) return 'the host name does not resolve';
  if (codes.has('UND_ERR_SOCKET') || codes.has('ECONNRESET'))
    return 'the connection dropped; for a plain-HTTP registry add --plain-http';
  if ([...codes].some((c) => c.startsWith('ERR_TLS') || c.includes('CERT')))
    return 'TLS failed: pass --ca-file CA.pem, or --insecure to skip verification';
  if (codes.has('EACCES')) return 'permission denied';
  return undefined;
}
