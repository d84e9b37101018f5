/**
 * Cold start of the built CLI (issue 6, Measure, part 1): `node dist/bin/main.js version` against
 * `node -e ""` in the same run, many alternating runs, medians and the ratio (aim: at most 1.5x).
 * Each run is a fresh process (spawn to exit, stdout read); builds `dist/` first when it is missing.
 *
 *   node --import tsx bench/cli-startup.ts [--runs N]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { emit, median, quantile } from './lib.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' } } });
const runs = Number(values.runs);
const root = fileURLToPath(new URL('..', import.meta.url));
const main = `${root}dist/bin/main.js`;

if (!existsSync(main)) {
  console.error('# dist/bin/main.js is missing: npm run build');
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}

function once(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}: ${out}`));
      else resolve(ms);
    });
  });
}

const version = spawnSync(process.execPath, [main, 'version'], { encoding: 'utf8' }).stdout.trim();
const cli: number[] = [];
const bare: number[] = [];
// Two warm-ups of each (page cache), then alternate which goes first.
for (let i = 0; i < 2; i++) {
  await once([main, 'version']);
  await once(['-e', '']);
}
for (let i = 0; i < runs; i++) {
  if (i % 2 === 0) {
    cli.push(await once([main, 'version']));
    bare.push(await once(['-e', '']));
  } else {
    bare.push(await once(['-e', '']));
    cli.push(await once([main, 'version']));
  }
}
const c = median(cli);
const b = median(bare);
const ratio = c / b;
console.log(`# CLI cold start, ${runs} alternating runs each (\`${version.split('\n')[0]}\`)`);
console.log('| command | median | p10 | p90 |');
console.log('|---|---|---|---|');
console.log(
  `| node dist/bin/main.js version | ${c.toFixed(1)} ms | ${quantile(cli, 0.1).toFixed(1)} ms | ${quantile(cli, 0.9).toFixed(1)} ms |`,
);
console.log(
  `| node -e "" | ${b.toFixed(1)} ms | ${quantile(bare, 0.1).toFixed(1)} ms | ${quantile(bare, 0.9).toFixed(1)} ms |`,
);
console.log(`ratio ${ratio.toFixed(2)}x (aim <= 1.5x)`);
emit({
  scenario: 'CLI cold start: ocm version vs node -e ""',
  ours: c,
  baseline: b,
  unit: 'ms',
  // For start-up the ratio is how many times slower ours is: lower is better, 1.0 is the floor.
  ratio,
  ratioMeaning: 'ours / baseline time (lower is better, 1.0 is the floor)',
  baselineName: 'node -e ""',
  requests: null,
  aim: '<= 1.5x',
  met: ratio <= 1.5,
  runs,
});
