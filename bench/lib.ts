/**
 * Shared helpers of the benchmarks: statistics, the `BENCH {...}` result line that `bench/run.ts`
 * collects, and the descriptor the registry benchmarks store.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DescriptorV2 } from '../src/descriptor/index.js';

/** One result line; `bench/run.ts` reads every line starting with `BENCH `. */
export interface BenchResult {
  readonly scenario: string;
  /** Our figure, with its unit in `unit` (ms, s, MiB/s ...). */
  readonly ours: number;
  readonly baseline: number | null;
  readonly unit: string;
  /** The ratio, in the direction `ratioMeaning` says. */
  readonly ratio: number | null;
  /** How the ratio is formed and which way is better, e.g. `baseline time / ours (higher is better)`. */
  readonly ratioMeaning?: string;
  /** What the baseline is, in a few words. */
  readonly baselineName?: string;
  /** Requests of ours and of the baseline, where counted. */
  readonly requests?: { readonly ours: number; readonly baseline: number | null } | null;
  readonly aim?: string;
  readonly met?: boolean | null;
  readonly runs?: number;
  /** Extra figures for the chart or the report (e.g. the number of versions). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

export function emit(result: BenchResult): void {
  console.log(`BENCH ${JSON.stringify(result)}`);
}

export function median(list: readonly number[]): number {
  if (list.length === 0) return Number.NaN;
  const s = [...list].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function quantile(list: readonly number[], q: number): number {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
}

/** Milliseconds taken by `fn`. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

/** The built CLI, `dist/bin/main.js` (not tsx), built first with `npm run build` when missing. */
export function builtCli(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const main = join(root, 'dist/bin/main.js');
  if (!existsSync(main)) {
    const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  return main;
}

export const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(2)} ms`);

/** A minimal component version with one label, as the registry benchmarks store them. */
export function benchDescriptor(component: string, version: string): DescriptorV2 {
  return {
    meta: { schemaVersion: 'v2' },
    component: {
      name: component,
      version,
      provider: 'acme.org',
      repositoryContexts: [],
      resources: [],
      sources: [],
      componentReferences: [],
      labels: [{ name: 'bench', value: version }],
    },
  };
}
