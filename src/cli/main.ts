#!/usr/bin/env node
/** The `ocm` binary: wires the process to `run` and exits with its code. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { run } from './run.js';

// The binary owns its process: expose `gc` so that streamed transfers can release dead socket and
// file buffers every few MiB (src/registry/blobs.ts) and stay flat in memory. A flag set at run time
// takes effect in new contexts, hence the fresh one; where that fails, memory is merely higher.
try {
  setFlagsFromString('--expose-gc');
  (globalThis as { gc?: unknown }).gc ??= runInNewContext('gc');
} catch {
  // Without gc the registry client simply does not collect early.
}

const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('interrupted')));
process.once('SIGTERM', () => controller.abort(new Error('terminated')));
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  isTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns ?? 80,
  signal: controller.signal,
});
