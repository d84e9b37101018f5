/**
 * Peak memory of the built CLI (`node dist/bin/main.js`, not tsx) moving one large resource through
 * a registry: `ocm transfer cv` pushes it from a CTF, `ocm download resource` pulls it back to a
 * file. Measured with GNU time (`/usr/bin/time -v`, "Maximum resident set size") around the whole
 * process, at 256 MiB and 1 GiB, so that "flat in size" can be read off the two rows. The content is
 * generated (AES-CTR), written once into a CTF as a local blob, and never held in memory here.
 *
 *   node --import tsx bench/cli-memory.ts [--sizes 256,1024]   # MiB
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openRepository } from '../src/open.js';
import { descriptor, resource } from '../test/support/descriptors.js';
import { startRegistry } from '../test/support/registry.js';
import { builtCli, emit, loadavg } from './lib.js';
import { generate, generatedDigest } from './registry-generate.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '256,1024' } } });
const sizes = values.sizes.split(',').map((s) => Number(s) * 1024 * 1024);
const MiB = 1024 * 1024;
const COMPONENT = 'example.com/bench/memory';
const root = fileURLToPath(new URL('..', import.meta.url));
const main = builtCli();
if (!existsSync('/usr/bin/time')) throw new Error('needs GNU time (/usr/bin/time, Debian package time)');

/** Runs `node dist/bin/main.js ARGS` under GNU time: seconds and max RSS in KiB. */
function timed(args: string[]): Promise<{ seconds: number; maxRssKiB: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-v', process.execPath, main, ...args, '-q'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' }, // no HOME: no content cache, nothing but the transfer
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1];
      if (code !== 0 || !rss) reject(new Error(`ocm ${args.join(' ')} failed (${code}):\n${err}`));
      else resolve({ seconds, maxRssKiB: Number(rss) });
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'ocm-bench-memory-'));
const reg = await startRegistry('anonymous');
try {
  console.log(`# Built CLI peak memory (GNU time, max RSS of the whole process), load ${loadavg()}`);
  console.log('| size | push (transfer CTF -> registry) | time | pull (download resource) | time |');
  console.log('|---|---|---|---|---|');
  for (const size of sizes) {
    const label = size >= 1024 * MiB ? `${size / 1024 / MiB} GiB` : `${size / MiB} MiB`;
    const ctf = join(work, `ctf-${size}`);
    const digest = generatedDigest(size);
    const source = await openRepository(`ctf::${ctf}`, { create: true });
    const r = await source.repository.addLocalResource(COMPONENT, resource('payload'), {
      content: Readable.from(generate(size), { objectMode: false }),
      mediaType: 'application/octet-stream',
      digest,
      size,
    });
    await source.repository.addComponentVersion(descriptor('1.0.0', { name: COMPONENT, resources: [r] }));
    await source.close();
    const prefix = `mem${size / MiB}`;
    const push = await timed(['transfer', 'cv', `${ctf}//${COMPONENT}:1.0.0`, `${reg.host}/${prefix}`]);
    const out = join(work, `out-${size}`);
    const pull = await timed([
      'download',
      'resource',
      `${reg.host}/${prefix}//${COMPONENT}:1.0.0`,
      'payload',
      '-O',
      out,
    ]);
    if (statSync(out).size !== size) throw new Error(`downloaded ${statSync(out).size} bytes, not ${size}`);
    rmSync(out);
    rmSync(ctf, { recursive: true, force: true });
    const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
    console.log(
      `| ${label} | ${mib(push.maxRssKiB)} | ${push.seconds.toFixed(1)} s | ${mib(pull.maxRssKiB)} | ${pull.seconds.toFixed(1)} s |`,
    );
    for (const [what, m] of [
      ['push', push],
      ['pull', pull],
    ] as const) {
      emit({
        scenario: `built CLI ${what} ${label}: peak RSS`,
        ours: Math.round(m.maxRssKiB / 1024),
        baseline: null,
        unit: 'MiB',
        ratio: null,
        aim: '< 100 MiB, flat in size',
        met: m.maxRssKiB / 1024 < 100,
        extra: { seconds: Number(m.seconds.toFixed(2)), bytes: size },
      });
    }
  }
} finally {
  await reg.close();
  rmSync(work, { recursive: true, force: true });
}
