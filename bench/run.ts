/**
 * `npm run bench`: runs every benchmark under `bench/`, one child process each, one after the other,
 * collects their `BENCH {...}` lines, and writes `bench/REPORT.md` and `bench/alias-vs-max.svg`.
 * A benchmark that fails or times out is reported as such; the others still run, and this script
 * exits 0 (benchmarks never fail a run; `npm test` never runs them).
 *
 * A benchmark is a `bench/*.ts` file that exports nothing and is not a `*-child.ts` helper.
 *
 *   npm run bench                 # 10, 100, 1,000 versions for alias resolution
 *   npm run bench -- --full       # also 5,000 (or OCM_BENCH_FULL=1)
 *   npm run bench -- --only alias-resolve,cli-startup
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { logLogChart } from './chart.js';
import { type BenchResult, loadavg } from './lib.js';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
  },
});
const full = values.full || process.env.OCM_BENCH_FULL === '1';
const benchDir = fileURLToPath(new URL('.', import.meta.url));
const root = join(benchDir, '..');
const reportPath = values.out ?? join(benchDir, 'REPORT.md');
const chartPath = join(benchDir, 'alias-vs-max.svg');

/** Preferred order, arguments and time limits; any other benchmark found runs after these. */
const known: Record<string, { args?: string[]; timeoutMin: number; title: string }> = {
  'cli-startup': { timeoutMin: 3, title: 'CLI cold start' },
  'ctf-tag': { timeoutMin: 4, title: 'CTF tag operation' },
  'alias-resolve': {
    args: full ? ['--full'] : [],
    timeoutMin: 10,
    title: 'Alias resolution versus max(version)',
  },
  'transfer-100': { timeoutMin: 6, title: '100-version CTF transfer versus skopeo' },
  'registry-transfer': {
    timeoutMin: 14,
    title: '256 MiB blob push (library and built CLI) and pull versus skopeo, 1 GiB push memory',
  },
  'alias-cache': {
    args: full ? [] : ['--sizes', '10,1000'],
    timeoutMin: 10,
    title: 'Alias resolution with a warm and a cold content cache',
  },
  'transfer-repository': {
    timeoutMin: 10,
    title: 'Whole-CTF transfer (20 components x 20 versions) versus skopeo copy per image',
  },
  'cli-memory': { timeoutMin: 8, title: 'Built CLI peak memory pushing and pulling 256 MiB and 1 GiB' },
  history: {
    timeoutMin: 10,
    title: 'Alias history: tag with and without history, newest 50 events at 10, 1,000 and 10,000 events',
  },
  'history-race': {
    timeoutMin: 8,
    title: 'Alias history: 4 racing writer processes x 25 moves on a registry, 5 runs per shape',
  },
  'history-gc': {
    timeoutMin: 10,
    title:
      'Alias history: garbage-collect --delete-untagged after racing writers whose folds deleted entries',
  },
  board: {
    timeoutMin: 20,
    title:
      'Stage board: first row and whole board, registry requests, at 10 and 1,000 components; memory at 1,000',
  },
};

function discover(): string[] {
  const found = readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('-child.ts'))
    .filter((f) => !/^\s*export\s/m.test(readFileSync(join(benchDir, f), 'utf8')))
    .map((f) => f.slice(0, -3));
  const order = Object.keys(known);
  return found.sort((a, b) => {
    const [ia, ib] = [order.indexOf(a), order.indexOf(b)];
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
}

interface Outcome {
  readonly name: string;
  readonly title: string;
  readonly command: string;
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly seconds: number;
  /** /proc/loadavg when it started. */
  readonly load: string;
  readonly results: BenchResult[];
  /** Stdout without the BENCH lines: the benchmark's own tables. */
  readonly text: string;
  readonly stderrTail: string;
}

function runOne(name: string): Promise<Outcome> {
  const spec = known[name] ?? { timeoutMin: 5, title: name };
  const args = ['--import', 'tsx', join(benchDir, `${name}.ts`), ...(spec.args ?? [])];
  const command = `node --import tsx bench/${name}.ts${spec.args?.length ? ` ${spec.args.join(' ')}` : ''}`;
  const load = loadavg();
  console.log(`\n=== ${command}  (load ${load})`);
  const started = performance.now();
  return new Promise((resolve) => {
    // Own process group, so a timed-out benchmark is stopped with its children (registry, skopeo).
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      process.stdout.write(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      if (err.length > 200_000) err = err.slice(-100_000);
      process.stderr.write(c);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGTERM');
        setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // gone
          }
        }, 5000).unref();
      } catch {
        // gone
      }
    }, spec.timeoutMin * 60_000);
    const finish = (code: number | null) => {
      clearTimeout(timer);
      const results: BenchResult[] = [];
      const kept: string[] = [];
      for (const line of out.split('\n')) {
        if (line.startsWith('BENCH ')) {
          try {
            results.push(JSON.parse(line.slice(6)) as BenchResult);
          } catch {
            kept.push(line);
          }
        } else kept.push(line);
      }
      resolve({
        name,
        title: spec.title,
        command,
        code,
        timedOut,
        seconds: (performance.now() - started) / 1000,
        load,
        results,
        text: kept.join('\n').trim(),
        stderrTail: err.trim().split('\n').slice(-15).join('\n'),
      });
    };
    child.on('error', (e) => {
      err += String(e);
      finish(null);
    });
    child.on('close', finish);
  });
}

// ------------------------------------------------------------------- run

const startedAt = new Date();
const loadStart = loadavg();
const names = discover().filter((n) => !values.only || values.only.split(',').includes(n));
console.log(`benchmarks: ${names.join(', ')}${full ? ' (full)' : ''}`);
const outcomes: Outcome[] = [];
for (const name of names) outcomes.push(await runOne(name));
const loadEnd = loadavg();
const finishedAt = new Date();

// ------------------------------------------------------------------- chart

const alias = outcomes
  .flatMap((o) => o.results)
  .filter((r) => r.extra && typeof r.extra.versions === 'number' && r.scenario.startsWith('alias resolve'));
const chartWritten = alias.length > 0;
if (chartWritten) {
  const pts = (f: (r: BenchResult) => number) =>
    alias.map((r) => ({ x: r.extra!.versions as number, y: f(r) })).filter((p) => Number.isFinite(p.y));
  writeFileSync(
    chartPath,
    logLogChart({
      title: 'Resolving prod: stored alias vs max(version), upstream way',
      subtitle: `Distribution registry on loopback, median wall time; bold: max(version) time / getComponentVersion time; ${finishedAt.toISOString().slice(0, 10)}, ${availableParallelism()} CPUs`,
      xLabel: 'versions of the component (plus 5 aliases), log scale',
      yLabel: 'milliseconds, log scale',
      notes: alias.map((r) => ({
        x: r.extra!.versions as number,
        text:
          r.ratio === null || r.ratio === undefined
            ? ''
            : `${r.ratio >= 100 ? r.ratio.toFixed(0) : r.ratio.toFixed(1)}x`,
      })),
      formatY: (y) => (y >= 1000 ? `${(y / 1000).toFixed(1)} s` : `${y.toFixed(y < 10 ? 1 : 0)} ms`),
      series: [
        {
          name: 'max(version): list + HEAD/GET every tag',
          color: '#c0392b',
          points: pts((r) => r.baseline ?? Number.NaN),
        },
        { name: 'alias prod: getComponentVersion', color: '#1f6fb2', points: pts((r) => r.ours) },
        {
          name: 'computed latest: getComponentVersion',
          color: '#8e44ad',
          dashed: true,
          hideLabels: true,
          points: pts((r) => Number(r.extra!.computedLatestMs)),
        },
        {
          name: 'alias prod: resolveComponentVersion',
          color: '#27ae60',
          dashed: true,
          labelBelow: true,
          points: pts((r) => Number(r.extra!.resolveMs)),
        },
      ],
    }),
  );
}

// ------------------------------------------------------------------- report

const fmtNum = (v: number | null | undefined, unit?: string) => {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const n = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return unit ? `${n} ${unit}` : n;
};
const fmtValue = (v: number | null | undefined, unit: string) =>
  unit === 'ms' && v !== null && v !== undefined && v >= 1000 ? fmtNum(v / 1000, 's') : fmtNum(v, unit);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const git = (args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const lines: string[] = [];
lines.push(
  '# ocm-ts benchmark report',
  '',
  `Generated by \`npm run bench${full ? ' -- --full' : ''}\` (bench/run.ts) on ${startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC, ` +
    `commit ${git(['rev-parse', '--short', 'HEAD'])}. Every baseline is measured in the same run, on the same machine; ` +
    'figures are medians of repeated runs. Nothing here is a test: a miss is reported, never fatal.',
  '',
  '## Summary',
  '',
  '| scenario | ours | baseline | ratio | requests (ours / baseline) | aim | met |',
  '|---|---|---|---|---|---|---|',
);
for (const o of outcomes) {
  for (const r of o.results) {
    const req = r.requests ? `${r.requests.ours} / ${r.requests.baseline ?? '–'}` : '–';
    lines.push(
      `| ${cell(r.scenario)} | ${fmtValue(r.ours, r.unit)} | ${fmtValue(r.baseline, r.unit)}${r.baselineName ? ` (${cell(r.baselineName)})` : ''} | ${r.ratio === null || r.ratio === undefined ? '–' : `**${fmtNum(r.ratio)}x**`}${r.ratioMeaning ? ` (${cell(r.ratioMeaning)})` : ''} | ${req} | ${cell(r.aim ?? '–')} | ${r.met === true ? 'yes' : r.met === false ? '**no**' : '–'} |`,
    );
  }
  if (o.code !== 0 || o.results.length === 0) {
    lines.push(
      `| ${cell(o.name)} | **${o.timedOut ? 'timed out' : o.code === 0 ? 'no figures' : `failed (exit ${o.code})`}** | | | | | |`,
    );
  }
}
if (chartWritten) {
  lines.push('', '![alias resolution vs max(version) resolution](alias-vs-max.svg)');
}
lines.push(
  '',
  '## Machine',
  '',
  `- ${availableParallelism()} CPUs (\`nproc\`), ${cpu}`,
  `- memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free at the end`,
  `- Node ${process.version}, ${process.platform} ${process.arch}`,
  `- registry: ${firstLine(() => execFileSync('docker-registry', ['--version'], { encoding: 'utf8' }))}; ${firstLine(() => execFileSync('skopeo', ['--version'], { encoding: 'utf8' }))}`,
  `- load average (1, 5, 15 min, /proc/loadavg): ${loadStart} at the start, ${loadEnd} at the end. The machine was shared with other test runs; figures that depend on CPU (start-up, the registry's request handling) carry that noise.`,
  `- the CLI measured: dist/bin/main.js as built at ${distTime()} (\`npm run build\`; not rebuilt by the run)`,
  `- run took ${((finishedAt.getTime() - startedAt.getTime()) / 60_000).toFixed(1)} min`,
  '',
  '## Regenerate',
  '',
  '```sh',
  'npm run build             # the CLI benchmarks build dist/ themselves when it is missing',
  'npm run bench -- --full   # every benchmark, alias resolution up to 5,000 versions; ~10-15 min on 2 CPUs',
  'npm run bench             # the same without the 5,000-version point',
  'node --import tsx bench/alias-resolve.ts --sizes 10,100   # one benchmark alone',
  '```',
  '',
  'Needs `docker-registry` (CNCF Distribution, Debian package) and `skopeo` on the PATH. Each benchmark',
  'prints its own table and one `BENCH {json}` line per figure; this file is built from those lines.',
  '',
  '## Details',
);
for (const o of outcomes) {
  lines.push(
    '',
    `### ${o.title}`,
    '',
    `\`${o.command}\` — ${o.seconds.toFixed(0)} s, ${o.timedOut ? 'timed out' : `exit ${o.code}`}, load average ${o.load} at its start`,
  );
  const doc = docComment(o.name);
  if (doc) lines.push('', ...doc.split('\n').map((l) => (l ? `> ${l}` : '>')));
  if (o.text) lines.push('', ...indentTables(o.text));
  if (o.code !== 0) lines.push('', 'Last lines of its stderr:', '', '```', o.stderrTail, '```');
}
writeFileSync(reportPath, `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`);
console.log(`\nwrote ${reportPath}${chartWritten ? ` and ${chartPath}` : ''} (load ${loadEnd})`);

function distTime(): string {
  try {
    return `${statSync(join(root, 'dist/bin/main.js')).mtime.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  } catch {
    return 'unknown time (missing)';
  }
}

function firstLine(f: () => string): string {
  try {
    return f().split('\n')[0]!.trim();
  } catch {
    return 'not found';
  }
}

/** The benchmark's leading doc comment: how it measures. */
function docComment(name: string): string | undefined {
  const text = readFileSync(join(benchDir, `${name}.ts`), 'utf8');
  const m = /^\/\*\*([\s\S]*?)\*\//.exec(text);
  if (!m) return undefined;
  return m[1]!
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** Markdown tables stay as they are; other output goes into a code block. */
function indentTables(text: string): string[] {
  const out: string[] = [];
  let code: string[] = [];
  const flush = () => {
    if (code.length) out.push('```', ...code, '```', '');
    code = [];
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) {
      flush();
      out.push(line);
    } else if (line.startsWith('# ')) {
      flush();
      if (out.length && out[out.length - 1] !== '') out.push('');
      out.push(`**${line.slice(2)}**`, '');
    } else {
      if (out.length && out[out.length - 1]!.startsWith('|')) out.push('');
      code.push(line);
    }
  }
  flush();
  return out;
}
