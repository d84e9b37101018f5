import { spawn } from 'node:child_process';

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node ARGS` to its end with captured output; `stdin` is written and closed. */
export function runNode(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; stdin?: string },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

export interface WorkerRun {
  /** Non-empty lines the worker printed (its acknowledgements). */
  readonly lines: string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs a TypeScript worker (`node --import tsx WORKER ARGS`) from `cwd`. With `killAfterMs`, the
 * clock starts at its first printed line (its first acknowledged operation) and it is then killed
 * with SIGKILL, so every kill lands mid-work.
 */
export function runTsxWorker(
  worker: string,
  args: readonly string[],
  options: { cwd: string; killAfterMs?: number },
): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (options.killAfterMs !== undefined && timer === undefined && out.includes('\n'))
        timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines: out.split('\n').filter((l) => l.length > 0), code, signal, stderr });
    });
  });
}
