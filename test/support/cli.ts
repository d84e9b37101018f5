import { Readable } from 'node:stream';
import { run } from '../../src/cli/run.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ocm ARGS` in-process with captured streams. */
export async function ocm(
  argv: readonly string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string; tty?: boolean },
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (t: string) => (stdout += typeof t === 'string' ? t : Buffer.from(t).toString()) },
    stderr: { write: (t: string) => (stderr += t) },
    ...(options.stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(options.stdin)]) }),
    env: options.env ?? {},
    cwd: options.cwd,
    isTTY: options.tty ?? false,
  });
  return { code, stdout, stderr };
}
