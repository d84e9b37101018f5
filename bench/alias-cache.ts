/**
 * Alias resolution with a cold and a warm content cache (docs/cache.md), as a deployer polling
 * `prod` would see it: every lookup opens the registry afresh (a new process would), resolves
 * `prod` and reads its descriptor. Cold: an empty cache directory each time (GET manifest by tag,
 * GET descriptor layer). Warm: the directory a first lookup filled (HEAD on the tag, the rest from
 * disk). Also `get aliases` (5 aliases) cold and warm: pages of tags plus one GET, or one HEAD, per
 * alias. One Distribution registry, one component grown to N versions; requests counted with the
 * transport hook.
 *
 *   node --import tsx bench/alias-cache.ts [--sizes 10,1000,5000] [--runs 15]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mapLimit } from '../src/oci/concurrency.js';
import { openRepository } from '../src/open.js';
import { OcmRepository } from '../src/repository/index.js';
import { startRegistry } from '../test/support/registry.js';
import { benchDescriptor, emit, fmtMs, loadavg, median, timeMs } from './lib.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,1000,5000' },
    runs: { type: 'string', default: '15' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const COMPONENT = 'example.com/bench/alias-cache';
const ALIASES = ['dev', 'qa', 'staging', 'prod', 'canary'] as const;
const version = (i: number) => `1.${Math.floor(i / 100)}.${i % 100}`;
const descriptor = (v: string) => benchDescriptor(COMPONENT, v);

const work = mkdtempSync(join(tmpdir(), 'ocm-bench-alias-cache-'));
const reg = await startRegistry('anonymous');
try {
  const writerStore = reg.open({ maxConnectionsPerHost: 32 });
  const writer = new OcmRepository(writerStore);
  /** One lookup as a fresh process makes it: open, do, close. Time and requests. */
  const lookup = async (cacheDir: string, fn: (repo: OcmRepository) => Promise<unknown>) => {
    let requests = 0;
    let pages = 0;
    const ms = await timeMs(async () => {
      const opened = await openRepository(reg.host, {
        cache: { dir: cacheDir },
        onRequest: (e) => {
          requests++;
          if (e.url.includes('/tags/list')) pages++;
        },
      });
      try {
        await fn(opened.repository);
      } finally {
        await opened.close();
      }
    });
    return { ms, requests, pages };
  };
  const getProd = (repo: OcmRepository) => repo.getComponentVersion(COMPONENT, 'prod');
  const getAliases = (repo: OcmRepository) => repo.listComponentVersionAliases(COMPONENT);

  console.log(`# Alias resolution, cold versus warm content cache (median of ${runs}), load ${loadavg()}`);
  console.log(
    '| versions | get cv :prod cold | warm | requests cold / warm | get aliases cold | warm | requests cold / warm |',
  );
  console.log('|---|---|---|---|---|---|---|');
  let have = 0;
  let n2 = 0;
  for (const n of sizes) {
    const fresh = Array.from({ length: n - have }, (_, i) => version(have + i));
    await mapLimit(fresh, 16, async (v) => {
      await writer.addComponentVersion(descriptor(v));
    });
    have = n;
    for (const [i, alias] of ALIASES.entries())
      await writer.addComponentVersionAlias(COMPONENT, version(Math.max(0, n - 1 - i * 3)), alias);
    const measure = async (fn: (repo: OcmRepository) => Promise<unknown>) => {
      const cold: { ms: number; requests: number; pages: number }[] = [];
      const warm: { ms: number; requests: number; pages: number }[] = [];
      const warmDir = join(work, `warm-${++n2}`);
      await lookup(warmDir, fn); // fills the warm cache
      for (let r = 0; r < runs; r++) {
        const coldDir = join(work, `cold-${++n2}`);
        // Alternate, so that drifting load touches both alike.
        if (r % 2 === 0) {
          cold.push(await lookup(coldDir, fn));
          warm.push(await lookup(warmDir, fn));
        } else {
          warm.push(await lookup(warmDir, fn));
          cold.push(await lookup(coldDir, fn));
        }
        rmSync(coldDir, { recursive: true, force: true });
      }
      return {
        coldMs: median(cold.map((c) => c.ms)),
        warmMs: median(warm.map((c) => c.ms)),
        coldRequests: median(cold.map((c) => c.requests)),
        warmRequests: median(warm.map((c) => c.requests)),
        warmPages: median(warm.map((c) => c.pages)),
      };
    };
    const prod = await measure(getProd);
    const aliases = await measure(getAliases);
    console.log(
      `| ${n.toLocaleString('en-US')} | ${fmtMs(prod.coldMs)} | ${fmtMs(prod.warmMs)} | ${prod.coldRequests} / ${prod.warmRequests} | ${fmtMs(aliases.coldMs)} | ${fmtMs(aliases.warmMs)} | ${aliases.coldRequests} / ${aliases.warmRequests} |`,
    );
    emit({
      scenario: `get cv :prod, warm vs cold cache, ${n} versions`,
      ours: Number(prod.warmMs.toFixed(2)),
      baseline: Number(prod.coldMs.toFixed(2)),
      unit: 'ms',
      ratio: Number((prod.coldMs / prod.warmMs).toFixed(2)),
      ratioMeaning: 'cold time / warm time (higher is better)',
      baselineName: 'same lookup, empty cache',
      requests: { ours: prod.warmRequests, baseline: prod.coldRequests },
      aim: 'warm = 1 request, cold = 2',
      met: prod.warmRequests === 1 && prod.coldRequests === 2,
      runs,
      extra: { versions: n },
    });
    emit({
      scenario: `get aliases (5), warm vs cold cache, ${n} versions`,
      ours: Number(aliases.warmMs.toFixed(2)),
      baseline: Number(aliases.coldMs.toFixed(2)),
      unit: 'ms',
      ratio: Number((aliases.coldMs / aliases.warmMs).toFixed(2)),
      ratioMeaning: 'cold time / warm time (higher is better)',
      baselineName: 'same listing, empty cache',
      requests: { ours: aliases.warmRequests, baseline: aliases.coldRequests },
      aim: 'warm = pages of tags + one HEAD per alias',
      met: aliases.warmRequests === aliases.warmPages + ALIASES.length,
      runs,
      extra: { versions: n },
    });
  }
  await writerStore.close();
} finally {
  await reg.close();
  rmSync(work, { recursive: true, force: true });
}
