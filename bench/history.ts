/**
 * What the alias history costs (docs/history.md):
 * - a tag operation with history versus without, on a CTF holding 10,000 index entries whose history
 *   holds 10,000 events, and on a registry (time and requests);
 * - reading the newest 50 events at 10, 1,000 and 10,000 events (time; requests on the registry), and
 *   on the registry at 10,000 events whose newest 5 moves are in entries not folded yet.
 * Aims: history adds at most 30% to a CTF tag operation (median); reading stays flat.
 *
 *   node --import tsx bench/history.ts [--ops N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CachingProvider, ContentCache } from '../src/cache/index.js';
import { CtfStore } from '../src/ctf/store.js';
import { canPushReference } from '../src/oci/content/guards.js';
import type { StoreProvider } from '../src/oci/content/storage.js';
import { OcmRepository } from '../src/repository/index.js';
import { DEFAULT_GRACE_MS, foldHistory, getAliasHistory, HistoryJournal } from '../src/stages/index.js';
import { blob, manifest } from '../test/support/content.js';
import { COMPONENT as C, descriptor } from '../test/support/descriptors.js';
import { startRegistry } from '../test/support/registry.js';
import { emit, fmtMs, median } from './lib.js';

const { values } = parseArgs({
  options: { ops: { type: 'string', default: '100' }, only: { type: 'string' } },
});
/** `--only ctf` or `--only registry`: one half of the bench (both by default). */
const only = values.only;
if (only !== undefined && only !== 'ctf' && only !== 'registry') throw new Error('--only is ctf or registry');
const ops = Number(values.ops);
/** Moves left unfolded on top of the 10,000-event registry history. */
const UNFOLDED = 5;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Two versions, `fillerTags` more tags in the component's repository, and a history of `events` events. */
async function prepare(provider: StoreProvider, prefix: string, fillerTags: number, events: number) {
  const journal = new HistoryJournal({ actor: 'bench' });
  const repo = new OcmRepository(provider, { prefix, journal });
  const d: Record<string, string> = {};
  for (const v of ['1.0.0', '1.1.0']) d[v] = (await repo.addComponentVersion(descriptor(v))).digest;
  if (fillerTags > 0) {
    const config = blob('{}', 'application/vnd.oci.empty.v1+json');
    const filler = Array.from({ length: 8 }, (_, i) => manifest([], config, `filler-${i}`));
    await repo.batch(async (tx) => {
      const store = tx.ociStore(C);
      await store.push(config.descriptor, config.bytes);
      for (const m of filler) await store.push(m.descriptor, m.bytes);
      for (let i = 0; i < fillerTags; i++) await store.tag(filler[i % filler.length]!.descriptor, `9.0.${i}`);
    });
  }
  const moves = Array.from({ length: events }, (_, i) => ({
    alias: `a${i % 5}`,
    from: null,
    to: { version: i % 2 ? '1.1.0' : '1.0.0', digest: i % 2 ? d['1.1.0']! : d['1.0.0']! },
    operation: 'tag' as const,
  }));
  for (let i = 0; i < events; i += 1000)
    await journal.record(repo.ociStore(C), C, moves.slice(i, i + 1000), { atomic: false });
  // Folded, and the folded entries deleted, as a repository is some time after its last moves.
  const later = { now: () => Date.now() + DEFAULT_GRACE_MS };
  await foldHistory(repo.ociStore(C), C, later);
  await foldHistory(repo.ociStore(C), C, later);
  return {
    journal,
    withHistory: repo,
    without: new OcmRepository(provider, { prefix }),
    /** The same, never folding: what one move costs by itself. */
    noFold: new OcmRepository(provider, {
      prefix,
      journal: new HistoryJournal({ actor: 'bench', foldEvery: 0 }),
    }),
  };
}

async function tagTimes(repo: OcmRepository, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await repo.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '1.1.0', 'prod');
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return samples;
}

async function readTimes(repo: OcmRepository, n: number, events: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const got = await getAliasHistory(repo, C, { limit: 50, reconcile: false });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (got.length !== Math.min(50, events)) throw new Error(`read ${got.length} events`);
  }
  return samples;
}

// ---------------------------------------------------------------- CTF: tag with and without history

console.log(`# Alias history, ${ops} operations per figure`);
const dir = await mkdtemp(join(tmpdir(), 'ocm-bench-history-'));
if (only !== 'registry')
  try {
    const store = await CtfStore.open(join(dir, 'ctf'), { create: true });
    const { withHistory, without } = await prepare(store, '', 10_000, 10_000);
    const entries = (await store.ctf.view()).index.entries.length;
    // Interleaved, so that drift of the machine affects both alike.
    const withT: number[] = [];
    const withoutT: number[] = [];
    for (let round = 0; round < 4; round++) {
      withoutT.push(...(await tagTimes(without, ops / 4)));
      withT.push(...(await tagTimes(withHistory, ops / 4)));
    }
    const ratio = median(withT) / median(withoutT);
    console.log('| CTF directory, 10,000 index entries, 10,000 events | median | mean |');
    console.log('|---|---|---|');
    console.log(`| tag without history | ${fmtMs(median(withoutT))} | ${fmtMs(mean(withoutT))} |`);
    console.log(`| tag with history | ${fmtMs(median(withT))} | ${fmtMs(mean(withT))} |`);
    console.log(`| ratio | ${ratio.toFixed(2)}x | ${(mean(withT) / mean(withoutT)).toFixed(2)}x |`);
    console.log(
      `(index entries at the end: ${(await store.ctf.view()).index.entries.length}, at the start ${entries})`,
    );
    emit({
      scenario: 'CTF tag with history vs without (10,000 index entries, 10,000 events)',
      ours: median(withT),
      baseline: median(withoutT),
      unit: 'ms',
      ratio,
      ratioMeaning: 'with-history median / without-history median (lower is better)',
      baselineName: 'same move, no history',
      requests: null,
      aim: '<= 1.3x',
      met: ratio <= 1.3,
      runs: ops,
      extra: { meanRatio: Number((mean(withT) / mean(withoutT)).toFixed(3)) },
    });
    await store.close();

    // ---------------------------------------------------------------- CTF: newest 50 at 10, 1,000, 10,000
    console.log('| CTF: newest 50 events | median |');
    console.log('|---|---|');
    const reads: Record<number, number> = {};
    for (const n of [10, 1000, 10_000]) {
      const s = await CtfStore.open(join(dir, `read-${n}`), { create: true });
      const { withHistory: repo } = await prepare(s, '', 0, n);
      reads[n] = median(await readTimes(repo, ops, n));
      console.log(`| ${n} events | ${fmtMs(reads[n]!)} |`);
      await s.close();
    }
    const flat = reads[10_000]! / reads[10]!;
    emit({
      scenario: 'CTF newest 50 events: 10,000-event history vs 10-event history',
      ours: reads[10_000]!,
      baseline: reads[10]!,
      unit: 'ms',
      ratio: flat,
      ratioMeaning: '10,000 events / 10 events (1 = flat)',
      baselineName: 'same read, 10-event history',
      requests: null,
      aim: 'flat (<= 1.5x)',
      met: flat <= 1.5,
      runs: ops,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
await rm(dir, { recursive: true, force: true });

// ---------------------------------------------------------------- registry
const reg = only === 'ctf' ? undefined : await startRegistry('anonymous');
if (reg)
  try {
    let requests = 0;
    const store = reg.open({ onRequest: (e) => (e.url.includes('/token') ? undefined : requests++) });
    const { withHistory, without, noFold } = await prepare(store, 'bench', 0, 10_000);
    const count = async (fn: () => Promise<unknown>) => {
      const before = requests;
      await fn();
      return requests - before;
    };
    const withoutReq = await count(() => without.addComponentVersionAlias(C, '1.0.0', 'prod'));
    const withReq = await count(() => noFold.addComponentVersionAlias(C, '1.1.0', 'prod'));
    const withT: number[] = [];
    const withoutT: number[] = [];
    const amortisedT: number[] = [];
    for (let round = 0; round < 4; round++) {
      withoutT.push(...(await tagTimes(without, ops / 4)));
      withT.push(...(await tagTimes(noFold, ops / 4)));
      amortisedT.push(...(await tagTimes(withHistory, ops / 4)));
    }
    const ratio = median(withT) / median(withoutT);
    const row = (name: string, xs: number[], req: number | string) =>
      console.log(`| ${name} | ${fmtMs(median(xs))} | ${fmtMs(mean(xs))} | ${req} |`);
    console.log('| registry, 10,000 events | median | mean | requests |');
    console.log('|---|---|---|---|');
    row('tag without history', withoutT, withoutReq);
    row('tag with history (the move and its entry)', withT, withReq);
    row('tag with history, one move in eight also folding', amortisedT, '');
    console.log(
      `| ratio, move and entry / without | ${ratio.toFixed(2)}x | ${(mean(withT) / mean(withoutT)).toFixed(2)}x | |`,
    );
    console.log(
      `| ratio, with folding / without | ${(median(amortisedT) / median(withoutT)).toFixed(2)}x | ${(mean(amortisedT) / mean(withoutT)).toFixed(2)}x | |`,
    );
    // What each kind of request costs this registry: a move without history is GET + GET + PUT of a
    // tag; with history it adds a PUT of a new manifest (the entry) and a PUT of a tag (the done mark).
    const oci = without.ociStore(C);
    const version = await oci.resolve('1.0.0');
    const kinds = { get: [] as number[], tag: [] as number[], entry: [] as number[] };
    const empty = blob('{}', 'application/vnd.oci.empty.v1+json');
    await oci.push(empty.descriptor, empty.bytes);
    if (!canPushReference(oci)) throw new Error('the registry store pushes by tag in one request');
    for (let i = 0; i < ops; i++) {
      let t0 = performance.now();
      await oci.resolve('1.0.0');
      kinds.get.push(performance.now() - t0);
      t0 = performance.now();
      await oci.tag(version, `bench-${i % 8}`);
      kinds.tag.push(performance.now() - t0);
      const entry = manifest([], empty, `bench-entry-${i}`);
      t0 = performance.now();
      await oci.pushReference(entry.descriptor, entry.bytes, `bench-entry-${i}`);
      kinds.entry.push(performance.now() - t0);
    }
    const [g, t, n] = [median(kinds.get), median(kinds.tag), median(kinds.entry)];
    console.log(
      `| per request: GET ${fmtMs(g)}, PUT of a tag ${fmtMs(t)}, PUT of a new manifest ${fmtMs(n)}; so without = ${fmtMs(2 * g + t)}, with = ${fmtMs(2 * g + 2 * t + n)}, floor ${((2 * g + 2 * t + n) / (2 * g + t)).toFixed(2)}x | | | |`,
    );

    emit({
      scenario: 'Registry tag with history vs without (10,000 events)',
      ours: median(withT),
      baseline: median(withoutT),
      unit: 'ms',
      ratio,
      ratioMeaning: 'with-history median / without-history median',
      baselineName: 'same move, no history',
      requests: { ours: withReq, baseline: withoutReq },
      aim: '<= 5 requests and <= 2x with history (before: 7 requests, 6.2x)',
      met: withReq <= 5 && ratio <= 2,
      runs: ops,
      extra: { amortisedMeanRatio: Number((mean(amortisedT) / mean(withoutT)).toFixed(3)) },
    });
    await store.close();

    console.log('| registry: newest 50 events | median | requests |');
    console.log('|---|---|---|');
    const reads: Record<number, { ms: number; requests: number }> = {};
    let unfolded = { ms: 0, requests: 0 };
    let warm = { ms: 0, requests: 0 };
    for (const n of [10, 1000, 10_000]) {
      let r = 0;
      const s = reg.open({ onRequest: (e) => (e.url.includes('/token') ? undefined : r++) });
      const { withHistory: repo, noFold } = await prepare(s, `read${n}`, 0, n);
      const measure = async (events: number) => {
        const before = r;
        await getAliasHistory(repo, C, { limit: 50, reconcile: false });
        return { requests: r - before, ms: median(await readTimes(repo, ops, events)) };
      };
      reads[n] = await measure(n);
      console.log(`| ${n} events | ${fmtMs(reads[n]!.ms)} | ${reads[n]!.requests} |`);
      if (n === 10_000) {
        // Moves not folded yet: a reader reads their entries (where the alias is only for racers).
        for (let i = 0; i < UNFOLDED; i++)
          await noFold.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '1.1.0', 'prod');
        unfolded = await measure(n + UNFOLDED);
        console.log(
          `| ${n} events, the newest ${UNFOLDED} in unfolded entries, a reader that has not seen them | ${fmtMs(unfolded.ms)} | ${unfolded.requests} |`,
        );
        // The same through a content cache, as the CLI reads (entries are immutable, fetched by
        // digest): after one read, a reader fetches the listing and the head only.
        const cacheDir = await mkdtemp(join(tmpdir(), 'ocm-bench-history-cache-'));
        try {
          const cached = new OcmRepository(
            new CachingProvider(s, new ContentCache({ dir: cacheDir }), reg.host),
            { prefix: `read${n}`, journal: new HistoryJournal({ actor: 'bench', foldEvery: 0 }) },
          );
          await getAliasHistory(cached, C, { limit: 50, reconcile: false });
          const before = r;
          await getAliasHistory(cached, C, { limit: 50, reconcile: false });
          warm = { requests: r - before, ms: median(await readTimes(cached, ops, n + UNFOLDED)) };
          console.log(
            `| ${n} events, the newest ${UNFOLDED} in unfolded entries, with the content cache | ${fmtMs(warm.ms)} | ${warm.requests} |`,
          );
        } finally {
          await rm(cacheDir, { recursive: true, force: true });
        }
      }
      await s.close();
    }
    emit({
      scenario: 'Registry newest 50 events: 10,000-event history vs 10-event history',
      ours: reads[10_000]!.ms,
      baseline: reads[10]!.ms,
      unit: 'ms',
      ratio: reads[10_000]!.ms / reads[10]!.ms,
      ratioMeaning: '10,000 events / 10 events (1 = flat)',
      baselineName: 'same read, 10-event history',
      requests: { ours: reads[10_000]!.requests, baseline: reads[10]!.requests },
      aim: '<= 2 requests whatever the length',
      met: reads[10_000]!.requests <= 2 && reads[1000]!.requests <= 2,
      runs: ops,
    });
    emit({
      scenario: `Registry newest 50 events: 10,000-event history with ${UNFOLDED} unfolded entries vs 10-event history`,
      ours: unfolded.ms,
      baseline: reads[10]!.ms,
      unit: 'ms',
      ratio: unfolded.ms / reads[10]!.ms,
      ratioMeaning: '10,000 events, some unfolded / 10 events folded (1 = flat)',
      baselineName: 'same read, 10-event history, folded',
      requests: { ours: unfolded.requests, baseline: reads[10]!.requests },
      aim: `2 requests + 1 per unfolded entry not seen before (${2 + UNFOLDED})`,
      met: unfolded.requests <= 2 + UNFOLDED,
      runs: ops,
    });
    emit({
      scenario: `Registry newest 50 events, ${UNFOLDED} unfolded entries, through the content cache (seen once) vs 10-event history`,
      ours: warm.ms,
      baseline: reads[10]!.ms,
      unit: 'ms',
      ratio: warm.ms / reads[10]!.ms,
      ratioMeaning: '10,000 events, some unfolded, cache warm / 10 events folded (1 = flat)',
      baselineName: 'same read, 10-event history, folded',
      requests: { ours: warm.requests, baseline: reads[10]!.requests },
      aim: '<= 2 requests',
      met: warm.requests <= 2,
      runs: ops,
    });
  } finally {
    await reg.close();
  }
