/** The built `ocm` run as a long-lived child process (watchers, automatic promotion), with bounded waits. */
import { type ChildProcess, spawn } from 'node:child_process';
import { binary } from './built.js';

export interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number | null>;
}

/** Starts `ocm ARGS` in `cwd` with only PATH and HOME (= cwd) set, collecting its output. */
export function startOcm(args: string[], cwd: string): Running {
  const child = spawn(process.execPath, [binary, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Running = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stdout!.on('data', (c: Buffer) => (r.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (r.stderr += c.toString()));
  return r;
}

/**
 * Waits for a condition on a child's output (an outside process: there is no clock to step); fails
 * after `timeoutMs`, showing the child's output when given.
 */
export async function until(
  what: string,
  test: () => boolean,
  timeoutMs = 20_000,
  show?: Running,
): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(
        `timed out waiting for ${what}${show ? `\nstdout:\n${show.stdout}\nstderr:\n${show.stderr}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}
