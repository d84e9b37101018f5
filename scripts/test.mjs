#!/usr/bin/env node
// The whole test suite, as README.md and .ci/run call it: prerequisites, typecheck, lint, tests.
// Usage: node scripts/test.mjs [--tests-only] [test files or folders...]   (default: everything
// under test/; --tests-only leaves out the prerequisites, static checks and build)
// Limits: each test and hook OCM_TEST_TIMEOUT_S seconds unless it sets its own (default 120), the
// whole run OCM_TEST_RUN_MINUTES minutes (default 30: a hung run is stopped long before CI's 90; a healthy one takes under 10). A skipped or todo test fails the run unless
// test/skips.json ({"test name": "reason"}; OCM_TEST_SKIPS names another file) lists it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const started = Date.now();

/** A whole number above 0 from the environment, or the default; anything else stops the run. */
function setting(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`test: ${name} must be a whole number above 0, not "${text}"`);
    process.exit(1);
  }
  return n;
}
const testSeconds = setting('OCM_TEST_TIMEOUT_S', 120);
const runMinutes = setting('OCM_TEST_RUN_MINUTES', 30);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const testsOnly = process.argv[2] === '--tests-only';
if (!testsOnly) {
  checkPrograms();
  staticChecks();
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
const targets = process.argv.slice(testsOnly ? 3 : 2);
const files = (targets.length > 0 ? targets : ['test']).flatMap((t) => findTests(join(root, t)));
if (files.length === 0) {
  console.error('test: no test files found');
  process.exit(1);
}
console.log(`test: running ${files.length} test files`);
const out = mkdtempSync(join(tmpdir(), 'ocm-test-'));
const skipsFile = join(out, 'skips.jsonl');
const runner = join(root, 'scripts', 'test-runner');
const status = await runTests([
  '--import',
  'tsx',
  '--import',
  join(runner, 'register.mjs'),
  '--test',
  '--test-concurrency=2',
  // A test that timed out may leave handles open; its process must end all the same.
  '--test-force-exit',
  // What node prints by default (spec on a terminal, TAP with its "# pass N" lines otherwise), and
  // the skipped and todo tests into a file.
  `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
  '--test-reporter-destination=stdout',
  `--test-reporter=${join(runner, 'skips-reporter.mjs')}`,
  '--test-reporter-destination=stdout',
  ...files,
]);
const unlisted = unlistedSkips(skipsFile);
rmSync(out, { recursive: true, force: true });
if (unlisted.length > 0) {
  console.error(
    `test: ${unlisted.length} skipped or todo test${unlisted.length === 1 ? '' : 's'} not listed with a reason in test/skips.json:`,
  );
  for (const s of unlisted)
    console.error(
      `  ${s.kind} "${s.name}" (${relative(root, s.file ?? '')})${s.reason ? `: ${s.reason}` : ''}`,
    );
}
process.exit(status !== 0 ? status : unlisted.length > 0 ? 1 : 0);

/**
 * Runs node's test runner in its own process group, ending the group when the whole run passes
 * its limit (a hang outside any test) or this process is interrupted.
 */
function runTests(args) {
  const left = runMinutes * 60_000 - (Date.now() - started);
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, OCM_TEST_TIMEOUT_S: String(testSeconds), OCM_TEST_SKIPS_OUT: skipsFile },
  });
  const stopAll = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    stopAll('SIGKILL');
  }, left);
  const forward = (signal) => stopAll(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      if (late)
        console.error(
          `test: the run passed its limit of ${runMinutes} minutes and was stopped (OCM_TEST_RUN_MINUTES sets it)`,
        );
      resolve(late ? 1 : (code ?? 1));
    });
  });
}

/** The skipped and todo tests the run reported that the allow-list does not name with a reason. */
function unlistedSkips(file) {
  const list = process.env.OCM_TEST_SKIPS ?? join(root, 'test', 'skips.json');
  const allowed = JSON.parse(readFileSync(list, 'utf8'));
  let reported = [];
  try {
    reported = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l));
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  return reported.filter((s) => typeof allowed[s.name] !== 'string' || allowed[s.name].trim() === '');
}

// 1. Programs the registry tests need: CNCF Distribution and skopeo, from Debian; chromium for the
// stage board's browser tests (driven by playwright-core at /usr/bin/chromium).
function checkPrograms() {
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
}

// 2. Static checks.
function staticChecks() {
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
}
