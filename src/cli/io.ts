import type { Readable } from 'node:stream';

/** The outside world of one CLI run, injected so commands run in-process in tests (STYLE point 6). */
export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stdin?: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Whether stdout/stderr are a terminal: progress bars and colour only then. Default false. */
  readonly isTTY?: boolean;
  /** Columns of the terminal, for progress bars. */
  readonly columns?: number;
  readonly signal?: AbortSignal;
}

/** An error in how the command was called: exit code 2. */
export class UsageError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    this.hint = hint;
  }
}
