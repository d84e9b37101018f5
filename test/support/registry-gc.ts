/**
 * Distribution's own garbage collection against a test registry: stop the registry, run
 * `docker-registry garbage-collect CONFIG [--delete-untagged]` on its storage with its configuration
 * (Distribution wants no writes while it runs), start it again on the same storage and port.
 * See docs/formats.md (Garbage collection on a registry).
 */
import { spawn } from 'node:child_process';
import type { TestRegistry } from './registry.js';

export interface GarbageCollectOptions {
  /** `--delete-untagged`: also delete manifests that no tag names now. */
  readonly deleteUntagged: boolean;
}

export interface GarbageCollectResult {
  /** What the command printed (one `blob eligible for deletion` line per blob it removed, and so on). */
  readonly output: string;
  /** Blobs the sweep deleted, counted from the output. */
  readonly blobsDeleted: number;
  /** Manifests the mark phase deleted as untagged, counted from the output. */
  readonly manifestsDeleted: number;
}

/** Runs the garbage collector on a stopped registry's storage; the registry is serving again afterwards. */
export async function garbageCollect(
  reg: TestRegistry,
  options: GarbageCollectOptions,
): Promise<GarbageCollectResult> {
  await reg.stop();
  try {
    const args = [
      'garbage-collect',
      reg.configFile,
      ...(options.deleteUntagged ? ['--delete-untagged'] : []),
    ];
    const output = await run('docker-registry', args);
    return {
      output,
      blobsDeleted: count(output, /blob eligible for deletion/g),
      manifestsDeleted: count(output, /manifest eligible for deletion/g),
    };
  } finally {
    await reg.start();
  }
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

async function run(program: string, args: readonly string[]): Promise<string> {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => out.push(c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const text = Buffer.concat(out).toString('utf8');
  if (code !== 0) throw new Error(`${program} ${args.join(' ')} failed (${code}):\n${text}`);
  return text;
}
