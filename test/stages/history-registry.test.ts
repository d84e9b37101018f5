/**
 * The alias history on a real CNCF Distribution registry: the contract, request counts through the
 * transport hook, moves made with skopeo, racing writers, and Distribution's garbage collection.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Store } from '../../src/oci/content/storage.js';
import type { RequestEvent } from '../../src/registry/index.js';
import { OcmRepository } from '../../src/repository/index.js';
import {
  DEFAULT_GRACE_MS,
  foldHistory,
  getAliasHistory,
  HISTORY_TAG,
  HistoryJournal,
  resolveAliasAt,
  verifyAliasHistory,
} from '../../src/stages/index.js';
import { historyContract, minuteClock } from '../contract/history-contract.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { raceOnce } from '../support/history-race.js';
import { sharedRegistry, skopeo } from '../support/registry.js';
import { garbageCollect } from '../support/registry-gc.js';

let counter = 0;
const prefix = () => `hist${process.pid}x${++counter}`;
const registry = sharedRegistry('anonymous');
after(() => registry.stop());
/**
 * Garbage collection gets a registry of its own: Distribution 2.8's collector once failed ("failed to
 * mark: filesystem: invalid checksum digest format") on the storage the racing writers and their
 * folds had used (not reproduced since: bench/history-gc.ts tries it on fresh storage each time).
 */
const gcRegistry = sharedRegistry('anonymous');
after(() => gcRegistry.stop());

historyContract('registry (anonymous)', async () => {
  const store = (await registry.get()).open();
  return { provider: store, prefix: prefix(), close: () => store.close() };
});

/** Seeds `n` recorded moves of `dev` between two versions in one append (fast), then returns. */
async function seed(repo: OcmRepository, journal: HistoryJournal, n: number, d: Record<string, string>) {
  const moves = Array.from({ length: n }, (_, i) => ({
    alias: 'dev',
    from: i === 0 ? null : { version: i % 2 ? '1.0.0' : '1.1.0', digest: i % 2 ? d['1.0.0']! : d['1.1.0']! },
    to: { version: i % 2 ? '1.1.0' : '1.0.0', digest: i % 2 ? d['1.1.0']! : d['1.0.0']! },
    operation: 'tag' as const,
  }));
  // Appended in slices, as many appends would leave it: sealed chunks plus recent events.
  for (let i = 0; i < n; i += 100)
    await journal.record(repo.ociStore(C), C, moves.slice(i, i + 100), { atomic: false });
  await repo.addComponentVersionAlias(C, n % 2 ? '1.1.0' : '1.0.0', 'dev');
}

/** A repository under a fresh prefix on the shared registry, with a journal that never folds by itself. */
async function withRepository(fn: (repo: OcmRepository, journal: HistoryJournal) => Promise<void>) {
  const store = (await registry.get()).open();
  const journal = new HistoryJournal({ now: minuteClock(), foldEvery: 0 });
  try {
    await fn(new OcmRepository(store, { prefix: prefix(), journal }), journal);
  } finally {
    await store.close();
  }
}

/**
 * `store` as a fold or reader sees it when `between` runs after its listing of the tags and before it
 * reads the head (the first fetch of `_ocm.history`); `ran()` tells whether it did.
 */
function afterListing(store: Store, between: () => Promise<void>): { store: Store; ran: () => boolean } {
  let ran = false;
  const wrapped = new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== 'function') return value;
      if (name !== 'fetchReference') return value.bind(target);
      return async (reference: string, options: unknown) => {
        if (reference === HISTORY_TAG && !ran) {
          ran = true;
          await between();
        }
        return value.call(target, reference, options);
      };
    },
  });
  return { store: wrapped, ran: () => ran };
}

describe('alias history on the registry: request counts (transport hook)', () => {
  async function counted(foldEvery = 8) {
    const events: RequestEvent[] = [];
    const store = (await registry.get()).open({ onRequest: (e) => events.push(e) });
    const journal = new HistoryJournal({ now: minuteClock(), actor: 'bench', foldEvery });
    const repo = new OcmRepository(store, { prefix: prefix(), journal });
    const count = async (fn: () => Promise<unknown>) => {
      const before = events.length;
      await fn();
      return events.slice(before).filter((e) => !e.url.includes('/token'));
    };
    return { store, repo, journal, count };
  }
  const show = (es: RequestEvent[]) => es.map((e) => `${e.method} ${e.url}`).join('\n');
  /** A fold as one made after the grace time: it also deletes the entries the head already holds. */
  const later = { now: () => Date.now() + DEFAULT_GRACE_MS };

  for (const n of [10, 2000]) {
    it(`${n} events: newest 50 cost 2 requests once folded, +1 per unfolded entry and none per alias; a move with its event 5, 6 with expect; resolving reads no history`, {
      timeout: 300_000,
    }, async () => {
      const { store, repo, journal, count } = await counted(0);
      try {
        const d: Record<string, string> = {};
        for (const v of ['1.0.0', '1.1.0']) d[v] = (await repo.addComponentVersion(descriptor(v))).digest;
        await seed(repo, journal, n, d);
        const ociStore = repo.ociStore(C);
        await foldHistory(ociStore, C, later);
        await foldHistory(ociStore, C, later);
        let newest: unknown[] = [];
        const read = await count(async () => {
          newest = await getAliasHistory(repo, C, { limit: 50, reconcile: false });
        });
        assert.equal(newest.length, Math.min(50, n + 1));
        assert.equal(read.length, 2, show(read));
        // A fresh client, as a CLI run is: nothing is known present yet.
        const fresh = await counted(0);
        const cold = new OcmRepository(fresh.store, {
          prefix: repo.repositoryOf(C).split('/')[0]!,
          journal: new HistoryJournal({ now: minuteClock(), foldEvery: 0 }),
        });
        const move = await fresh.count(() =>
          cold.addComponentVersionAlias(C, '1.0.0', 'prod', { message: 'm' }),
        );
        assert.equal(move.length, 5, `${move.length} requests:\n${show(move)}`);
        const moveAgain = await fresh.count(() =>
          cold.addComponentVersionAlias(C, '1.1.0', 'prod', { expect: '1.0.0' }),
        );
        await fresh.store.close();
        assert.equal(moveAgain.length, 6, `${moveAgain.length} requests with expect:\n${show(moveAgain)}`);
        // Two entries not folded yet: one request each for a reader that has not seen them. Prod is not
        // read: the second move starts where the first went, so the order they landed in is known.
        const unfolded = await count(() => getAliasHistory(repo, C, { limit: 50, reconcile: false }));
        assert.equal(unfolded.length, 4, show(unfolded));
        assert.ok(!unfolded.some((e) => e.method === 'HEAD'), show(unfolded));
        const resolve = await count(() => repo.resolveComponentVersion(C, 'prod'));
        assert.equal(resolve.length, 1, show(resolve));
        const get = await count(() => repo.getComponentVersion(C, 'prod'));
        assert.equal(get.length, 2, show(get));
        assert.ok([...resolve, ...get].every((e) => !e.url.includes('_ocm.h')));
        const total = await verifyAliasHistory(repo, C);
        assert.equal(total.events, n + 1 + 2);
        console.log(
          `# history of ${n + 3} events: newest 50 = ${read.length} requests folded, ${unfolded.length} with 2 entries unfolded; move+event = ${move.length}, with expect = ${moveAgain.length}`,
        );
      } finally {
        await store.close();
      }
    });
  }
});

describe('alias history on the registry: racers a reader orders by where the alias is', () => {
  it('two finished moves from the same state: the reader asks where the alias is (one HEAD), and the history ends there', {
    timeout: 120_000,
  }, async () => {
    const events: RequestEvent[] = [];
    const store = (await registry.get()).open({ onRequest: (e) => events.push(e) });
    const journal = new HistoryJournal({ now: minuteClock(), foldEvery: 0 });
    const repo = new OcmRepository(store, { prefix: prefix(), journal });
    try {
      const d: Record<string, string> = {};
      for (const v of ['1.0.0', '1.1.0', '1.2.0'])
        d[v] = (await repo.addComponentVersion(descriptor(v))).digest;
      const at = (v: string) => ({ version: v, digest: d[v]! });
      await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
      const oci = repo.ociStore(C);
      // Both writers read prod at 1.0.0 and wrote their entries, the older one first; the newer one's
      // move landed first, the older one's last: prod ends at 1.1.0, the older entry's target.
      const older = await journal.begin(
        oci,
        C,
        [{ alias: 'prod', from: at('1.0.0'), to: at('1.1.0'), operation: 'tag' }],
        {
          atomic: false,
        },
      );
      const newer = await journal.begin(
        oci,
        C,
        [{ alias: 'prod', from: at('1.0.0'), to: at('1.2.0'), operation: 'tag' }],
        {
          atomic: false,
        },
      );
      await oci.tag(await oci.resolve('1.2.0'), 'prod');
      await newer.commit();
      await oci.tag(await oci.resolve('1.1.0'), 'prod');
      await older.commit();
      const before = events.length;
      const history = await getAliasHistory(repo, C, { alias: 'prod', reconcile: false });
      const read = events.slice(before).filter((e) => !e.url.includes('/token'));
      assert.deepEqual(
        history.map((e) => e.to?.version),
        ['1.1.0', '1.2.0', '1.0.0'],
      );
      assert.equal(read.filter((e) => e.method === 'HEAD' && e.url.endsWith('/manifests/prod')).length, 1);
    } finally {
      await store.close();
    }
  });
});

describe('alias history on the registry: moves around it, races, garbage collection', () => {
  it('a tag moved with skopeo shows as an untracked move', { timeout: 120_000 }, async () => {
    const reg = await registry.get();
    const store = reg.open();
    const p = prefix();
    const repo = new OcmRepository(store, { prefix: p, journal: new HistoryJournal({ now: minuteClock() }) });
    try {
      const d: Record<string, string> = {};
      for (const v of ['1.0.0', '1.1.0']) d[v] = (await repo.addComponentVersion(descriptor(v))).digest;
      await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
      const image = `docker://${reg.host}/${repo.repositoryOf(C)}`;
      await skopeo([
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `${image}:1.1.0`,
        `${image}:prod`,
      ]);
      const [row, recorded] = await getAliasHistory(repo, C, { alias: 'prod' });
      assert.equal(row!.operation, 'untracked');
      assert.deepEqual(row!.from, { version: '1.0.0', digest: d['1.0.0'] });
      assert.deepEqual(row!.to, { version: '1.1.0', digest: d['1.1.0'] });
      assert.equal(recorded!.operation, 'tag');
    } finally {
      await store.close();
    }
  });

  for (const shared of [false, true]) {
    it(`4 writer processes x 25 moves on ${shared ? 'one alias' : 'four aliases'}: every acknowledged move has exactly one event, no process fails, the chain verifies, no untracked row, a fold leaves no entry tags`, {
      timeout: 300_000,
    }, async () => {
      const r = await raceOnce(await registry.get(), prefix(), { shared });
      assert.deepEqual(r.failures, [], 'every writer process exits 0');
      assert.ok(r.moves >= (shared ? 25 : 96), `${r.moves} moves acknowledged`);
      assert.deepEqual(r.wrongCounts, [], 'each acknowledged move has exactly one event');
      assert.equal(r.events, r.moves, 'no event without a move');
      assert.equal(r.untracked, 0, 'no untracked row');
      assert.equal(r.verified, r.moves, 'the chain verifies after the folds');
      assert.equal(r.leftoverEntries, 0, 'no leftover entry tags');
      assert.ok(r.foldChangedNothing, 'folding changes nothing');
      console.log(
        `# 4 writer processes x 25 moves on ${shared ? 'one alias' : 'four aliases'}: ${r.moves} moves, ${r.events} events, ${(r.ms / 1000).toFixed(1)} s`,
      );
    });
  }

  it('a command cut off after its entry, run again, then the alias back on that target: no fold, before or after the grace time, records the cut-off move a second time', {
    timeout: 120_000,
  }, async () => {
    await withRepository(async (repo, journal) => {
      const d: Record<string, string> = {};
      for (const v of ['1.0.0', '1.1.0']) d[v] = (await repo.addComponentVersion(descriptor(v))).digest;
      await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
      const target = (v: string) => ({ version: v, digest: d[v]! });
      // The entry of `tag dev 1.1.0`, killed before its move; the rerun moves; two moves bring dev back.
      const move = { alias: 'dev', from: target('1.0.0'), to: target('1.1.0'), operation: 'tag' as const };
      await journal.begin(repo.ociStore(C), C, [move], { atomic: false });
      for (const v of ['1.1.0', '1.0.0', '1.1.0']) await repo.addComponentVersionAlias(C, v, 'dev');
      const moves = async () =>
        (await getAliasHistory(repo, C)).map((e) => `${e.operation}:${e.to?.version}`).join(' ');
      const want = 'tag:1.1.0 tag:1.0.0 tag:1.1.0 tag:1.0.0';
      assert.equal(await moves(), want);
      const ociStore = repo.ociStore(C);
      const first = await foldHistory(ociStore, C);
      assert.equal(first.waiting, 1, 'the cut-off entry waits (it may still be in flight)');
      assert.equal(await moves(), want, 'after a fold within the grace time');
      const later = { now: () => Date.now() + DEFAULT_GRACE_MS };
      await foldHistory(ociStore, C, later);
      await foldHistory(ociStore, C, later);
      assert.equal(await moves(), want, 'after folds past the grace time');
      const tags: string[] = [];
      for await (const page of ociStore.tags()) tags.push(...page);
      assert.deepEqual(
        tags.filter((t) => t.startsWith('_ocm.he.')),
        [],
        'every entry folded or abandoned',
      );
      assert.equal((await verifyAliasHistory(repo, C)).events, 4);
    });
  });

  it('a fold that listed the tags before a faster fold took a newer entry keeps that entry folded: no event twice', {
    timeout: 120_000,
  }, async () => {
    await withRepository(async (repo) => {
      for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
      await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
      const ociStore = repo.ociStore(C);
      await foldHistory(ociStore, C);
      // The slow fold lists the tags; before it reads the head, a move is made and a faster fold takes it.
      const slow = afterListing(ociStore, async () => {
        await repo.addComponentVersionAlias(C, '1.1.0', 'dev');
        await foldHistory(ociStore, C);
      });
      await foldHistory(slow.store, C);
      assert.ok(slow.ran(), 'the faster fold ran between the listing and the head');
      await foldHistory(ociStore, C);
      const moves = (await getAliasHistory(repo, C, { reconcile: false })).map((e) => e.to?.version);
      assert.deepEqual(moves, ['1.1.0', '1.0.0'], 'each move once');
      assert.equal((await verifyAliasHistory(repo, C)).events, 2);
    });
  });

  it("an entry deleted between a reader's listing and its reading of the head adds nothing and fails nothing", {
    timeout: 120_000,
  }, async () => {
    await withRepository(async (repo) => {
      for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
      for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersionAlias(C, v, 'dev');
      const ociStore = repo.ociStore(C);
      await foldHistory(ociStore, C);
      // After the listing: folds past the grace time delete the entries and drop them from the head.
      const later = { now: () => Date.now() + DEFAULT_GRACE_MS };
      const slow = afterListing(ociStore, async () => {
        assert.equal((await foldHistory(ociStore, C, later)).deleted, 2);
        await foldHistory(ociStore, C, later);
      });
      const result = await foldHistory(slow.store, C);
      assert.ok(slow.ran(), 'the entries were deleted between the listing and the head');
      assert.equal(result.folded, 0);
      const moves = (await getAliasHistory(repo, C, { reconcile: false })).map((e) => e.to?.version);
      assert.deepEqual(moves, ['1.1.0', '1.0.0'], 'each move once');
    });
  });

  it('garbage-collect --delete-untagged while entries are not folded loses nothing; a fold afterwards takes them all', {
    timeout: 300_000,
  }, async () => {
    const reg = await gcRegistry.get();
    const p = prefix();
    let store = reg.open();
    const journal = new HistoryJournal({ now: minuteClock(), foldEvery: 0 });
    let repo = new OcmRepository(store, { prefix: p, journal });
    for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
    for (let i = 0; i < 6; i++) await repo.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '1.1.0', 'prod');
    await foldHistory(repo.ociStore(C), C);
    for (let i = 0; i < 5; i++) await repo.addComponentVersionAlias(C, i % 2 ? '1.1.0' : '1.0.0', 'dev');
    const before = await getAliasHistory(repo, C);
    assert.equal(before.length, 11);
    await store.close();
    await garbageCollect(reg, { deleteUntagged: true });
    store = reg.open();
    repo = new OcmRepository(store, { prefix: p, journal });
    try {
      assert.deepEqual(await getAliasHistory(repo, C), before);
      const folded = await foldHistory(repo.ociStore(C), C);
      assert.equal(folded.folded, 5);
      assert.deepEqual(await getAliasHistory(repo, C), before);
      assert.equal((await verifyAliasHistory(repo, C)).events, 11);
    } finally {
      await store.close();
    }
  });

  it('after garbage-collect --delete-untagged the whole history (recent events and sealed chunks) reads and verifies', {
    timeout: 300_000,
  }, async () => {
    const reg = await gcRegistry.get();
    const p = prefix();
    let store = reg.open();
    const journal = new HistoryJournal({ now: minuteClock() });
    let repo = new OcmRepository(store, { prefix: p, journal });
    const d: Record<string, string> = {};
    for (const v of ['1.0.0', '1.1.0']) d[v] = (await repo.addComponentVersion(descriptor(v))).digest;
    await seed(repo, journal, 400, d);
    for (let i = 0; i < 5; i++) await repo.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '1.1.0', 'prod');
    const before = await getAliasHistory(repo, C);
    await store.close();
    const gc = await garbageCollect(reg, { deleteUntagged: true });
    assert.ok(gc.manifestsDeleted + gc.blobsDeleted > 0, 'superseded history manifests were collected');
    store = reg.open();
    repo = new OcmRepository(store, { prefix: p, journal });
    try {
      assert.deepEqual(await getAliasHistory(repo, C), before);
      assert.equal((await verifyAliasHistory(repo, C)).events, before.length);
      assert.equal((await resolveAliasAt(repo, C, 'dev', '2026-03-01T10:00:30Z')).version, '1.1.0');
    } finally {
      await store.close();
    }
  });
});
