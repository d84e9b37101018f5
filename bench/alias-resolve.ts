/**
 * Alias resolution versus max(version) resolution the upstream way (issue 5, Measure; DESIGN 7).
 *
 * One Distribution registry (`docker-registry`, loopback, plain HTTP) holds one component that grows
 * to N = 10, 100, 1,000 (and 5,000 with `--full` or `OCM_BENCH_FULL=1`) versions, with 5 aliases
 * (dev, qa, staging, prod, canary); `prod` names the highest version, so both ways must return the
 * same descriptor, and each run checks that they do.
 *
 * - ours: `getComponentVersion(component, 'prod')` (manifest by tag, then the descriptor layer), and
 *   `resolveComponentVersion(component, 'prod')` (the manifest only); and, for reference, our computed
 *   `latest` when no alias of that name is stored (`getComponentVersion(component, 'latest')`:
 *   versions read from the tag names, one request per page of tags, then 2);
 * - upstream (ocm `--latest` with the default tag policy, spec alias-behaviours 4.2/4.3): list every
 *   tag, then for every tag at once HEAD the manifest (`resolve`) and GET it (`fetch`), read
 *   `software.ocm.componentversion`, keep the highest semver, then fetch that version's descriptor
 *   (`getComponentVersion(component, max)`: 2 requests, fewer than upstream's 4).
 *   Upstream starts one goroutine per tag with no limit; here every tag's HEAD+GET is started at once
 *   too, through the same HTTP client with a per-host connection cap. The cap is measured at our
 *   default (6) and at 64, and the faster of the two is the baseline (the most favourable to upstream);
 *   past 1,000 versions only the cap that was faster at 1,000 is run, to keep the run short.
 *
 * Both use one long-lived client (warm keep-alive connections, anonymous registry: no token requests).
 * Times are medians of repeated runs alternating the two ways; requests are counted with `onRequest`.
 *
 *   node --import tsx bench/alias-resolve.ts [--full] [--sizes 10,100,1000] [--runs N]
 */
import { parseArgs } from 'node:util';
import semver from 'semver';
import type { DescriptorV2 } from '../src/descriptor/index.js';
import { mapLimit } from '../src/oci/concurrency.js';
import { readAll } from '../src/oci/content/read.js';
import { OcmRepository } from '../src/repository/index.js';
import { startRegistry } from '../test/support/registry.js';
import { benchDescriptor, emit, fmtMs, median, timeMs } from './lib.js';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    runs: { type: 'string' },
    populate: { type: 'string', default: '16' },
  },
});
const full = values.full || process.env.OCM_BENCH_FULL === '1';
const sizes = values.sizes
  ? values.sizes.split(',').map(Number)
  : full
    ? [10, 100, 1000, 5000]
    : [10, 100, 1000];
const COMPONENT = 'example.com/bench/alias-resolve';
const ALIASES = ['dev', 'qa', 'staging', 'prod', 'canary'] as const;
const BASELINE_CAPS = [6, 64];

/** Repeats per point: many where runs are cheap, fewer where the baseline takes seconds. */
const runsFor = (n: number) => (values.runs ? Number(values.runs) : n <= 100 ? 15 : n <= 1000 ? 5 : 3);
const version = (i: number) => `1.${Math.floor(i / 100)}.${i % 100}`;

const descriptor = (v: string) => benchDescriptor(COMPONENT, v);

const reg = await startRegistry('anonymous');
try {
  // Writer: a wide connection no counting.
  const writerStore = reg.open({ maxConnectionsPerHost: 32 });
  const writer = new OcmRepository(writerStore);
  // Readers: one counted client at our default cap, and one per baseline cap.
  let count = 0;
  const counted = (cap: number) => {
    const store = reg.open({ maxConnectionsPerHost: cap, onRequest: () => count++ });
    return { store, repo: new OcmRepository(store) };
  };
  const ours = counted(6);
  const baselines = BASELINE_CAPS.map((cap) => ({ cap, ...counted(cap) }));

  /** Upstream's max(version): list, HEAD+GET every tag at once, pick the highest, fetch its descriptor. */
  async function upstreamLatest(repo: OcmRepository): Promise<DescriptorV2> {
    const store = repo.ociStore(COMPONENT);
    const tags: string[] = [];
    for await (const page of store.tags()) tags.push(...page);
    // `component-descriptors/NAME:VERSION` as upstream writes it, or `NAME:VERSION` as we do.
    const prefix = `${COMPONENT}:`;
    const found = await Promise.all(
      tags.map(async (tag) => {
        const desc = await store.resolve(tag); // HEAD
        const bytes = await readAll(await store.fetch(desc), 4 * 1024 * 1024); // GET
        const manifest = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
          annotations?: Record<string, string>;
        };
        const id = manifest.annotations?.['software.ocm.componentversion']?.replace(
          /^component-descriptors\//,
          '',
        );
        if (!id?.startsWith(prefix)) return undefined;
        const v = id.slice(prefix.length);
        return semver.valid(v) ? v : undefined;
      }),
    );
    const versions = found.filter((v): v is string => v !== undefined);
    if (versions.length === 0) throw new Error('no versions');
    const max = versions.reduce((a, b) => (semver.gt(b, a) ? b : a));
    return (await repo.getComponentVersion(COMPONENT, max)).descriptor;
  }

  const rows: string[] = [];
  let have = 0;
  /** Baseline caps measured at this point: both up to 1,000 versions; beyond, the one faster there. */
  let caps = [...BASELINE_CAPS];
  for (const n of sizes) {
    // Grow the component to n versions (concurrently, bounded), then point the aliases.
    const fresh = Array.from({ length: n - have }, (_, i) => version(have + i));
    const populateMs = await timeMs(() =>
      mapLimit(fresh, Number(values.populate), async (v) => {
        await writer.addComponentVersion(descriptor(v));
      }),
    );
    have = n;
    for (const [i, alias] of ALIASES.entries()) {
      // prod names the highest version; the others name lower ones.
      const target = alias === 'prod' ? n - 1 : Math.max(0, n - 2 - i);
      await writer.addComponentVersionAlias(COMPONENT, version(target), alias);
    }
    const expected = version(n - 1);
    console.error(`# ${n} versions pushed in ${(populateMs / 1000).toFixed(1)} s`);

    const runs = runsFor(n);
    const oursGet: number[] = [];
    const oursResolve: number[] = [];
    const oursLatest: number[] = [];
    let oursLatestRequests = 0;
    const big = n > 1000;
    const base = new Map<number, number[]>(caps.map((c) => [c, []]));
    let oursGetRequests = 0;
    let oursResolveRequests = 0;
    let baselineRequests = 0;
    const runOurs = async () => {
      let before = count;
      let got: DescriptorV2 | undefined;
      oursGet.push(
        await timeMs(async () => {
          got = (await ours.repo.getComponentVersion(COMPONENT, 'prod')).descriptor;
        }),
      );
      oursGetRequests = count - before;
      if (got?.component.version !== expected) throw new Error(`prod resolved to ${got?.component.version}`);
      before = count;
      oursResolve.push(await timeMs(() => ours.repo.resolveComponentVersion(COMPONENT, 'prod')));
      oursResolveRequests = count - before;
      // Computed `latest` (no alias stored under that name): versions read from the tag names, one
      // request per page of tags, then the highest version's manifest and descriptor.
      before = count;
      let latest: DescriptorV2 | undefined;
      oursLatest.push(
        await timeMs(async () => {
          latest = (await ours.repo.getComponentVersion(COMPONENT, 'latest')).descriptor;
        }),
      );
      oursLatestRequests = count - before;
      if (latest?.component.version !== expected)
        throw new Error(`computed latest resolved to ${latest?.component.version}`);
    };
    const runBaseline = async () => {
      for (const b of baselines.filter((x) => caps.includes(x.cap))) {
        const before = count;
        let got: DescriptorV2 | undefined;
        base.get(b.cap)!.push(
          await timeMs(async () => {
            got = await upstreamLatest(b.repo);
          }),
        );
        baselineRequests = count - before;
        if (got?.component.version !== expected)
          throw new Error(`max(version) found ${got?.component.version}`);
      }
    };
    // Warm-ups, not measured: five of ours (cheap; they also warm the JIT for the first sizes) and one
    // of the baseline (none past 1,000 versions, where a baseline run takes seconds and warms nothing
    // that matters); then the measured runs alternate which goes first.
    for (let i = 0; i < 5; i++) await runOurs();
    if (!big) await runBaseline();
    oursGet.length = 0;
    oursResolve.length = 0;
    oursLatest.length = 0;
    for (const list of base.values()) list.length = 0;
    for (let r = 0; r < runs; r++) {
      if (r % 2 === 0) {
        await runOurs();
        await runBaseline();
      } else {
        await runBaseline();
        await runOurs();
      }
    }
    const get = median(oursGet);
    const resolve = median(oursResolve);
    const latest = median(oursLatest);
    const perCap = caps.map((cap) => ({ cap, ms: median(base.get(cap)!) }));
    const best = perCap.reduce((a, b) => (b.ms < a.ms ? b : a));
    if (n >= 1000) caps = [best.cap];
    const ratio = best.ms / get;
    rows.push(
      `| ${n.toLocaleString('en-US')} | ${fmtMs(get)} (${oursGetRequests} req) | ${fmtMs(resolve)} (${oursResolveRequests} req) | ${fmtMs(latest)} (${oursLatestRequests} req) | ${perCap
        .map((p) => `${fmtMs(p.ms)} at ${p.cap}`)
        .join(', ')} (${baselineRequests} req) | ${ratio.toFixed(1)}x | ${runs} |`,
    );
    emit({
      scenario: `alias resolve vs max(version), ${n.toLocaleString('en-US')} versions + 5 aliases`,
      ours: get,
      baseline: best.ms,
      unit: 'ms',
      ratio,
      ratioMeaning: 'baseline time / ours (higher is better)',
      baselineName: `list + HEAD/GET every tag (${best.cap} conns/host)`,
      requests: { ours: oursGetRequests, baseline: baselineRequests },
      ...(n === 1000 ? { aim: '>= 100x at 1,000 versions', met: ratio >= 100 } : {}),
      runs,
      extra: {
        versions: n,
        resolveMs: resolve,
        resolveRequests: oursResolveRequests,
        computedLatestMs: latest,
        computedLatestRequests: oursLatestRequests,
        ...Object.fromEntries(perCap.map((p) => [`baselineMs_cap${p.cap}`, p.ms])),
        populateSeconds: populateMs / 1000,
      },
    });
  }
  console.log(
    '# Resolving prod (stored alias) versus max(version) the upstream way, median of the runs (baseline at N connections per host; the faster is the one compared)',
  );
  console.log(
    '| versions | ours: getComponentVersion(prod) | ours: resolveComponentVersion(prod) | ours: getComponentVersion(latest), computed | upstream max(version), at conns/host | ratio (best baseline / get) | runs |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  await writerStore.close();
  await ours.store.close();
  for (const b of baselines) await b.store.close();
} finally {
  await reg.close();
}
