/**
 * The README's by-hand and registry sections, run as a reader runs them: in order, in one bash, at
 * the top of a fresh copy of the clone (examples/ copied, dist/ the built binary, and the
 * `./transport-archive` a main job run leaves), against a fresh CTF and a fresh registry. The blocks are the ```sh blocks that follow a `<!-- readme-test: NAME`
 * comment. What the test does instead of the reader:
 * - lines starting `npm ` (install and build) are left out: the test command's build step ran them;
 * - in the registry block, the lines up to the one after `docker-registry serve` (writing its
 *   configuration, starting it, waiting for it) are replaced by a registry this test starts
 *   (test/support/registry.ts) on a free port, and `localhost:5000` by its address.
 * Every other line runs as written and must exit 0, or the code its `# exit N` comment names.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { descriptor } from '../support/descriptors.js';
import { projectRoot } from '../support/paths.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runNode } from '../support/spawn.js';
import { tempDir } from '../support/tmp.js';

let dir: { path: string; remove: () => Promise<void> };
let registry: TestRegistry;

before(async () => {
  if (!existsSync(join(projectRoot, 'dist/bin/main.js')))
    throw new Error('dist/ is missing: run "npm run build"');
  dir = await tempDir();
  await cp(join(projectRoot, 'examples'), join(dir.path, 'examples'), { recursive: true });
  await symlink(join(projectRoot, 'dist'), join(dir.path, 'dist'));
  // What `npm start` leaves: the by-hand section must start from an empty archive by itself.
  const left = await openRepository(join(dir.path, 'transport-archive'), { create: true });
  await left.repository.addComponentVersion(descriptor('1.0.0'));
  await left.close();
  registry = await startRegistry('anonymous');
});
after(async () => {
  await registry?.close();
  await dir?.remove();
});

/** The ```sh block after `<!-- readme-test: NAME`, as lines. */
export function readmeBlock(readme: string, name: string): string[] {
  const marker = readme.indexOf(`<!-- readme-test: ${name}`);
  assert.ok(marker >= 0, `README has a block marked readme-test: ${name}`);
  const open = readme.indexOf('```sh\n', marker);
  const close = readme.indexOf('\n```', open);
  return readme.slice(open + '```sh\n'.length, close).split('\n');
}

/** Bash that runs `lines` and stops at the first whose exit code is not the one it expects. */
export function checkedScript(lines: readonly string[]): string {
  const out: string[] = [];
  let heredoc: string | undefined;
  lines.forEach((line, i) => {
    out.push(line);
    if (heredoc !== undefined) {
      if (line === heredoc) heredoc = undefined;
      else return;
    } else {
      const opened = /<<-?'?(\w+)'?/.exec(line);
      if (opened) {
        heredoc = opened[1];
        return;
      }
    }
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const expected = Number(/#\s*exit (\d+)/.exec(line)?.[1] ?? 0);
    out.push(
      `__rc=$?; if [ "$__rc" -ne ${expected} ]; then echo "README block line ${i + 1} (npm lines left out) exited $__rc, not ${expected}: ${line.replace(/[`$"\\]/g, '\\$&')}" >&2; exit 99; fi`,
    );
  });
  return `${out.join('\n')}\n`;
}

it('the by-hand and registry sections run in order in a fresh copy, against a fresh CTF and registry', async () => {
  const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
  const byHand = readmeBlock(readme, 'by-hand').filter((l) => !l.startsWith('npm '));
  const onRegistry = readmeBlock(readme, 'registry');
  const started = onRegistry.findIndex((l) => l.startsWith('docker-registry serve '));
  assert.ok(started > 0, 'the registry block starts docker-registry');
  const registryLines = onRegistry
    .slice(started + 2)
    .map((l) => l.replaceAll('localhost:5000', registry.host));
  await writeFile(join(dir.path, 'readme.sh'), checkedScript([...byHand, ...registryLines]));
  const r = await runNode(
    ['-e', 'require("node:child_process").execFileSync("bash", ["readme.sh"], { stdio: "inherit" })'],
    {
      cwd: dir.path,
      env: { PATH: process.env.PATH ?? '', HOME: dir.path },
    },
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const out = r.stdout;
  // By hand: prod refused for the soak and the approvals, then promoted an hour later with the
  // signature verified, CI's e2e run and both approvals.
  assert.match(out, /^soak\s+refused\s+in staging for \d+s of 1h: 59m\d+s left/m);
  assert.match(out, /^approvals\s+refused\s+0\/2 approvals: 2 more needed from alice, bob$/m);
  assert.match(out, /^checks \(e2e\)\s+pass\s+e2e PASSED at \S+ \(signed by ci\)/m);
  assert.match(out, /^approvals\s+pass\s+2\/2 approvals \(alice, bob\)$/m);
  assert.match(out, /^signatures \(release\)\s+pass\s+release: verified/m);
  assert.match(out, /promoted example\.com\/shop\/checkout:prod -> 1\.0\.0 /);
  assert.match(
    out,
    /"resolution": \{\n\s+"requested": "prod",\n\s+"kind": "alias",\n\s+"version": "1\.0\.0"/,
  );
  assert.match(
    out,
    /example\.com\/shop\/checkout\s+1\.1\.0\s+dev, staging\nexample\.com\/shop\/checkout\s+1\.0\.0\s+prod\n/,
  );
  // On the registry: the aliases came along; qa set only where absent, then moved only from 1.0.0.
  assert.match(out, /:qa -> 1\.0\.0 sha256:[0-9a-f]{64} \(new\)/);
  assert.match(out, /:qa -> 1\.1\.0 sha256:[0-9a-f]{64} \(was 1\.0\.0\)/);
  assert.match(out, /example\.com\/shop\/checkout\s+1\.1\.0\s+dev, qa, staging\n/);
});
