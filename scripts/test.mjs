#!/usr/bin/env node
// The whole test suite, as README.md and .ci/run call it: prerequisites, typecheck, lint, tests.
// Usage: node scripts/test.mjs [test files or folders...]   (default: everything under test/)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// 1. Programs the registry tests need: CNCF Distribution and skopeo, from Debian; chromium for the
// stage board's browser tests (driven by playwright-core at /usr/bin/chromium).
const needed = {
  'docker-registry': 'docker-registry',
  skopeo: 'skopeo',
  openssl: 'openssl',
  chromium: 'chromium',
};
const missing = Object.entries(needed).filter(([cmd]) => !onPath(cmd));
if (missing.length > 0) {
  const pkgs = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    console.log(`test: installing Debian packages ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (
      run('apt-get', ['update', '-qq'], { env }) !== 0 ||
      run('apt-get', ['install', '-y', '-qq', ...pkgs], { env }) !== 0
    ) {
      console.error(`test: could not install ${pkgs.join(' ')}; install them and run again`);
      process.exit(1);
    }
  } else {
    console.error(
      `test: missing programs ${missing.map(([c]) => c).join(', ')}; install the Debian packages: apt-get install ${pkgs.join(' ')}`,
    );
    process.exit(1);
  }
}

// 2. Static checks.
const bin = (name) => join(root, 'node_modules', '.bin', name);
for (const [label, cmd, args] of [
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
  ['typecheck (board page)', bin('tsc'), ['-p', 'src/board/page/tsconfig.json', '--noEmit']],
  ['lint', bin('biome'), ['check', '.']],
  ['layers', bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs']],
  ['self-contained', process.execPath, [join(root, 'scripts', 'lint-paths.mjs')]],
  ['build', 'npm', ['run', '--silent', 'build']],
]) {
  console.log(`test: ${label}`);
  if (run(cmd, args) !== 0) {
    console.error(`test: ${label} failed`);
    process.exit(1);
  }
}

// 3. Tests, with Node's own runner.
function findTests(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? findTests(join(path, e.name))
        : e.name.endsWith('.test.ts')
          ? [join(path, e.name)]
          : [],
    )
    .sort();
}
const targets = process.argv.slice(2);
const files = (targets.length > 0 ? targets : ['test']).flatMap((t) => findTests(join(root, t)));
if (files.length === 0) {
  console.error('test: no test files found');
  process.exit(1);
}
console.log(`test: running ${files.length} test files`);
const status = run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files]);
process.exit(status);
