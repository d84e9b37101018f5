/**
 * The stage board on a registry, as a user opening it sees it: the built `ocm board` (a fresh
 * process and an empty content cache per run) in front of a Distribution registry, a counting proxy
 * between them, and chromium loading the page. Rows stream in as the server reads them: time to
 * first row (navigation to the first row of the table shown) and to the whole board (every row in
 * place). Requests: what the board asked of the registry until then. Memory: peak and current RSS
 * of the `ocm board` process after the whole board of the largest size (its watchers running).
 *
 *   node --import tsx bench/board.ts [--sizes 10,1000] [--runs 3]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mapLimit } from '../src/oci/concurrency.js';
import { openRepository } from '../src/open.js';
import { launchBrowser } from '../test/board/support.js';
import { descriptor } from '../test/support/descriptors.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { projectRoot } from '../test/support/paths.js';
import { startRegistry } from '../test/support/registry.js';
import { emit, fmtMs, loadavg, median } from './lib.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '10,1000' }, runs: { type: 'string', default: '3' } },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const STAGES = ['dev', 'qa', 'test', 'staging', 'prod'] as const;
const binary = join(projectRoot, 'dist/bin/main.js');
if (!existsSync(binary) || !existsSync(join(projectRoot, 'dist/board/assets/index.html')))
  throw new Error('build first: npm run build');

function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/** `ocm board` in a fresh process with a fresh HOME: no content cache from an earlier run. */
function startBoard(target: string, home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [binary, 'board', target], {
    env: { PATH: process.env.PATH ?? '', HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ocm board printed no URL: ${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /board: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.on('close', (code) => reject(new Error(`ocm board ended (${code}): ${err}`)));
  });
}

console.log(`load before: ${loadavg()}`);
const reg = await startRegistry('anonymous');
const proxy = await startFaultProxy({ target: reg.host, rates: {} });
const browser = await launchBrowser();
try {
  for (const n of sizes) {
    const prefix = `board${n}`;
    const { repository, close } = await openRepository(`${reg.host}/${prefix}`, {
      history: { actor: 'bench' },
    });
    const names = Array.from({ length: n }, (_, i) => `example.com/bench/c${String(i).padStart(3, '0')}`);
    const seeded = Date.now();
    await mapLimit(names, 8, async (name) => {
      for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v, { name }));
      for (const [i, stage] of STAGES.entries())
        await repository.addComponentVersionAlias(name, i < 2 ? '1.1.0' : '1.0.0', stage);
    });
    await close();
    console.log(`seeded ${n} components x ${STAGES.length} stages in ${fmtMs(Date.now() - seeded)}`);

    const firsts: number[] = [];
    const times: number[] = [];
    const requests: number[] = [];
    const warm: number[] = [];
    let memory: { hwm: number; rss: number } | undefined;
    for (let r = 0; r < runs; r++) {
      const home = mkdtempSync(join(tmpdir(), 'ocm-bench-board-home-'));
      const { child, url } = await startBoard(`${proxy.host}/${prefix}`, home);
      const page = await browser.context.newPage();
      try {
        const before = proxy.log.length;
        const t0 = performance.now();
        await page.goto(url);
        await page.locator('table#board tbody tr').first().waitFor({ timeout: 120_000 });
        firsts.push(performance.now() - t0);
        await page
          .locator('table#board tbody tr')
          .nth(n - 1)
          .waitFor({ timeout: 300_000 });
        times.push(performance.now() - t0);
        requests.push(proxy.log.length - before);
        const t1 = performance.now();
        await page.reload();
        await page
          .locator('table#board tbody tr')
          .nth(n - 1)
          .waitFor();
        warm.push(performance.now() - t1);
        if (n === Math.max(...sizes) && r === runs - 1)
          memory = { hwm: statusKiB(child.pid!, 'VmHWM') / 1024, rss: statusKiB(child.pid!, 'VmRSS') / 1024 };
      } finally {
        await page.close();
        child.kill('SIGTERM');
        await new Promise((w) => child.once('close', w));
        rmSync(home, { recursive: true, force: true });
      }
    }
    const ms = median(times);
    const first = median(firsts);
    const runsOf = (list: number[]) => list.map((t) => t.toFixed(0)).join(', ');
    console.log(
      `${n} components x ${STAGES.length} stages: first row ${fmtMs(first)} (runs ${runsOf(firsts)} ms), ` +
        `whole board ${fmtMs(ms)} (runs ${runsOf(times)} ms), ` +
        `${median(requests)} registry requests (runs ${requests.join(', ')}), warm reload ${fmtMs(median(warm))}`,
    );
    emit({
      scenario: `board first row, ${n} components x ${STAGES.length} stages (registry)`,
      ours: Math.round(first),
      baseline: null,
      unit: 'ms',
      ratio: null,
      runs,
      extra: { components: n, stages: STAGES.length, aimMs: 1000 },
    });
    emit({
      scenario: `board whole, ${n} components x ${STAGES.length} stages (registry)`,
      ours: Math.round(ms),
      baseline: null,
      unit: 'ms',
      ratio: null,
      requests: { ours: median(requests), baseline: null },
      runs,
      extra: { components: n, stages: STAGES.length, warmReloadMs: Math.round(median(warm)) },
    });
    if (memory) {
      console.log(
        `ocm board at ${n} components: peak RSS ${memory.hwm.toFixed(1)} MiB, RSS ${memory.rss.toFixed(1)} MiB`,
      );
      emit({
        scenario: `ocm board memory, ${n} components x ${STAGES.length} stages (peak RSS)`,
        ours: Number(memory.hwm.toFixed(1)),
        baseline: null,
        unit: 'MiB',
        ratio: null,
        extra: { rssMiB: Number(memory.rss.toFixed(1)), watchedAliases: n * STAGES.length },
      });
    }
  }
} finally {
  await browser.close();
  await proxy.close();
  await reg.close();
}
console.log(`load after: ${loadavg()}`);
