/**
 * The built `ocm` (dist/bin/main.js, with dist/board/assets) for the tests that run it as a user
 * would, never older than its sources: when a file under src/ or of the build's configuration is
 * newer than the oldest output, `npm run build` runs first. Once per process at most, and under a
 * lock (dist/.build.lock), so test files running in parallel build once, one after the other.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { withLock } from '../../src/ctf/lock.js';
import { projectRoot } from './paths.js';

export const binary = join(projectRoot, 'dist/bin/main.js');
/** Time enough for a hook that may build: `before(fn, { timeout: BUILD_TIMEOUT_MS })`. */
export const BUILD_TIMEOUT_MS = 300_000;
const outputs = [
  'dist/bin/main.js',
  'dist/index.js',
  'dist/board/assets/index.html',
  'dist/board/assets/board.js',
];
const inputs = [
  'src',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build-cli.mjs',
  'scripts/build-board.mjs',
];

let fresh: Promise<string> | undefined;

/** The path of the built `ocm`, built first when it is missing or older than the sources. */
export function builtBinary(): Promise<string> {
  fresh ??= ensureBuilt();
  return fresh;
}

async function ensureBuilt(): Promise<string> {
  if (!(await stale())) return binary;
  await mkdir(join(projectRoot, 'dist'), { recursive: true });
  await withLock(join(projectRoot, 'dist/.build.lock'), { timeoutMs: 300_000 }, async () => {
    if (await stale()) await build();
  });
  const still = await stale();
  if (still) throw new Error(`dist/ is older than ${still} even after "npm run build"`);
  return binary;
}

/** The newest source newer than the oldest output (or than a missing one), else undefined. */
async function stale(): Promise<string | undefined> {
  let oldest = Number.POSITIVE_INFINITY;
  for (const f of outputs) {
    const s = await stat(join(projectRoot, f)).catch(() => undefined);
    oldest = Math.min(oldest, s?.mtimeMs ?? Number.NEGATIVE_INFINITY);
  }
  const [time, path] = await newest(inputs.map((p) => join(projectRoot, p)));
  return time > oldest ? path : undefined;
}

async function newest(paths: readonly string[]): Promise<[number, string]> {
  let best: [number, string] = [Number.NEGATIVE_INFINITY, ''];
  for (const path of paths) {
    const s = await stat(path);
    const found: [number, string] = s.isDirectory()
      ? await newest((await readdir(path)).map((name) => join(path, name)))
      : [s.mtimeMs, path];
    if (found[0] > best[0]) best = found;
  }
  return best;
}

function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'build'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`"npm run build" failed (${code}):\n${output}`)),
    );
  });
}
