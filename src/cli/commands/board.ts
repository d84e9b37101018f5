import { spawn } from 'node:child_process';
import { BoardReader, type BoardSource, type BoardStages } from '../../board/data.js';
import { startBoardServer } from '../../board/server.js';
import type { Parsed } from '../args.js';
import { flag, str } from '../args.js';
import type { Context } from '../context.js';
import { UsageError } from '../io.js';
import { parseInterval } from './watch.js';

const loopback = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * `ocm board REPO...`: serves the stage board until SIGINT or SIGTERM. Prints the URL (with
 * `--write`, the URL carries the per-run token in its fragment, which browsers never send to a
 * server) and, with `--open`, opens it in the desktop's browser.
 */
export async function runBoard(ctx: Context, { values, positionals }: Parsed): Promise<number> {
  if (positionals.length === 0)
    throw new UsageError(
      'board needs at least one repository',
      'usage: ocm board REPOSITORY [REPOSITORY...]',
    );
  const write = flag(values, 'write');
  const host = str(values, 'host') ?? '127.0.0.1';
  const portText = str(values, 'port');
  const port = portText === undefined ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${JSON.stringify(portText)} is not a port number`);
  const intervalText = str(values, 'interval');
  const interval = intervalText === undefined ? undefined : parseInterval(intervalText);
  const sources: BoardSource[] = [];
  for (const label of positionals) {
    const opened = await ctx.open(label, { readOnly: !write });
    sources.push({ label, repository: opened.repository });
  }
  const stages = await loadStages();
  const reader = new BoardReader({
    sources,
    write,
    ...(stages ? { stages } : {}),
    // Stages that live elsewhere (`repository:` in a stages document), named as the CLI names
    // repositories (relative CTF paths from the working directory); the board closes them.
    // A CTF that does not exist is created only by a promotion (which needs --write) into it.
    open: (reference, how) =>
      ctx.open(reference, write ? { create: how.create === true } : { readOnly: true }),
  });
  const server = await startBoardServer({
    reader,
    host,
    port,
    write,
    ...(interval === undefined ? {} : { interval }),
  });
  if (!loopback.has(host))
    ctx.note(
      `warning: the board listens on ${host}, beyond this machine; anyone who can reach it can read every component${write ? ' (and with the token, move stages)' : ''}`,
    );
  const url = write ? `${server.url}#token=${server.token}` : server.url;
  ctx.out(`board: ${url}\n`);
  if (write)
    ctx.note('promotion enabled: the URL above carries the token; share it only with who may promote');
  if (flag(values, 'open')) openBrowser(url, ctx);
  const signal = ctx.io.signal;
  if (signal && !signal.aborted)
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await server.close();
  return 0;
}

/** The stages layer's adapter (history, policy, promotion). */
async function loadStages(): Promise<BoardStages> {
  return (await import('../../board/stages.js')).boardStages();
}

function openBrowser(url: string, ctx: Context): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => ctx.note(`could not start ${command}; open ${url} yourself`));
    child.unref();
  } catch {
    ctx.note(`could not start ${command}; open ${url} yourself`);
  }
}
