/**
 * The alias history contract (docs/history.md): every alias change is recorded, newest first,
 * hash-chained, reconciled with moves made around it, and can be rolled back. Runs on every backend
 * (CTF directory, tar, tgz; the registry).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { canBatch, canFetchReference } from '../../src/oci/content/guards.js';
import { readAll } from '../../src/oci/content/read.js';
import type { StoreProvider } from '../../src/oci/content/storage.js';
import { digestOf } from '../../src/oci/digest.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { OcmRepository } from '../../src/repository/index.js';
import {
  aliasHeldSince,
  ENTRY_TAG_PREFIX,
  eventHash,
  foldHistory,
  getAliasHistory,
  HISTORY_TAG,
  type HistoryEvent,
  HistoryIntegrityError,
  HistoryJournal,
  InvalidHistoryInputError,
  InvalidTimeError,
  MalformedHistoryError,
  NothingToRollBackError,
  resolveAliasAt,
  rollbackAlias,
  verifyAliasHistory,
} from '../../src/stages/index.js';
import { blob } from '../support/content.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { tagForeignHistory } from '../support/history.js';

export interface HistoryBackend {
  readonly provider: StoreProvider;
  /** Repository prefix that isolates this test on a shared backend. */
  readonly prefix: string;
  close(): Promise<void>;
}

/** A clock that advances one minute per reading, from 2026-03-01T10:00:00Z. */
export function minuteClock(start = Date.parse('2026-03-01T10:00:00Z')) {
  let t = start - 60_000;
  return () => {
    t += 60_000;
    return new Date(t);
  };
}

const at = (minute: number) => new Date(Date.parse('2026-03-01T10:00:00Z') + minute * 60_000).toISOString();

/** Rewrites the stored history as a forger would: changes one event, re-stores chunk and manifest. */
export async function forgeEvent(
  provider: StoreProvider,
  repository: string,
  position: number,
  change: (e: HistoryEvent) => HistoryEvent,
): Promise<void> {
  const store = provider.repository(repository);
  assert.ok(canFetchReference(store));
  const got = await store.fetchReference(HISTORY_TAG);
  const bytes = await readAll(got.content, 1 << 22);
  const m = parseManifest(bytes, got.descriptor.mediaType) as unknown as {
    annotations: Record<string, string>;
    layers: { annotations?: Record<string, string> }[];
  };
  const total = Number(m.annotations['software.ocm.history.events']);
  const recent = m.annotations['software.ocm.history.recent']!.split('\n');
  const index = recent.length - (total - position) - 1;
  assert.ok(index >= 0 && index < recent.length, 'the forged event is among the recent ones');
  const event = JSON.parse(recent[index]!) as HistoryEvent;
  recent[index] = JSON.stringify(change(event));
  const forged = {
    ...m,
    annotations: { ...m.annotations, 'software.ocm.history.recent': recent.join('\n') },
  };
  const out = blob(JSON.stringify(forged), got.descriptor.mediaType);
  await store.push(out.descriptor, out.bytes);
  await store.tag(out.descriptor, HISTORY_TAG);
}

/**
 * A history that does not verify is never extended. On a locked store (a CTF) the move and its event
 * are one write: the move is refused with the history's error. Without a lock the move records its
 * own pending entry, which does not build on the broken head, and moves; every fold refuses to write
 * the entry into the broken head, and the head is left as it was.
 */
async function refusesToExtend(
  repo: OcmRepository,
  backend: HistoryBackend,
  error: typeof HistoryIntegrityError | typeof MalformedHistoryError,
): Promise<void> {
  const store = backend.provider.repository(repo.repositoryOf(C));
  const before = (await store.resolve(HISTORY_TAG)).digest;
  if (canBatch(backend.provider)) {
    await assert.rejects(repo.addComponentVersionAlias(C, '1.0.0', 'prod'), error);
  } else {
    await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
    await assert.rejects(foldHistory(store, C), error);
    assert.ok(
      (await listTags(store)).some((t) => t.startsWith(ENTRY_TAG_PREFIX)),
      'the move is recorded in its own entry',
    );
  }
  assert.equal((await store.resolve(HISTORY_TAG)).digest, before, 'the head was not extended');
}

async function listTags(store: { tags(): AsyncIterable<readonly string[]> }): Promise<string[]> {
  const out: string[] = [];
  for await (const page of store.tags()) out.push(...page);
  return out;
}

export function historyContract(name: string, open: () => Promise<HistoryBackend>): void {
  describe(`alias history contract: ${name}`, () => {
    async function withRepo(
      fn: (repo: OcmRepository, backend: HistoryBackend, plain: OcmRepository) => Promise<void>,
    ) {
      const backend = await open();
      try {
        const journal = new HistoryJournal({ now: minuteClock(), actor: 'ci-bot', foldEvery: 1 });
        await fn(
          new OcmRepository(backend.provider, { prefix: backend.prefix, journal }),
          backend,
          new OcmRepository(backend.provider, { prefix: backend.prefix }),
        );
      } finally {
        await backend.close();
      }
    }
    async function versions(repo: OcmRepository, ...vs: string[]) {
      const digests: Record<string, string> = {};
      for (const v of vs) digests[v] = (await repo.addComponentVersion(descriptor(v))).digest;
      return digests;
    }
    const point = (d: Record<string, string>, v: string) => ({ version: v, digest: d[v]! });

    it('a promotion story: every move newest first, with from/to, operation, actor and message', () =>
      withRepo(async (repo) => {
        const d = await versions(repo, '1.0.0', '1.1.0');
        await repo.addComponentVersionAlias(C, '1.0.0', 'dev', { message: 'first build' }); // minute 0
        await repo.addComponentVersionAlias(C, 'dev', 'staging', { actor: 'alice' }); // 1
        await repo.addComponentVersionAlias(C, 'staging', 'prod', { actor: 'bob', message: 'go live' }); // 2
        await repo.addComponentVersionAlias(C, '1.1.0', 'dev'); // 3
        await repo.addComponentVersionAlias(C, '1.1.0', 'dev'); // no move, no event
        await repo.removeComponentVersionAlias(C, 'staging', { message: 'retired' }); // 4
        const history = await getAliasHistory(repo, C);
        assert.deepEqual(
          history.map((e) => [e.alias, e.from?.version ?? null, e.to?.version ?? null, e.operation]),
          [
            ['staging', '1.0.0', null, 'untag'],
            ['dev', '1.0.0', '1.1.0', 'tag'],
            ['prod', null, '1.0.0', 'tag'],
            ['staging', null, '1.0.0', 'tag'],
            ['dev', null, '1.0.0', 'tag'],
          ],
        );
        const [untag, move, live] = history as HistoryEvent[];
        assert.deepEqual(move!.from, point(d, '1.0.0'));
        assert.deepEqual(move!.to, point(d, '1.1.0'));
        assert.equal(live!.actor, 'bob');
        assert.equal(live!.message, 'go live');
        assert.equal(untag!.message, 'retired');
        assert.equal(move!.actor, 'ci-bot', 'the journal default');
        assert.equal(move!.message, null);
        assert.match(move!.tool, /^ocm-ts\//);
        assert.equal(move!.time, at(3));
        assert.equal(history.at(-1)!.previous, null);
        assert.equal((history[0] as HistoryEvent).previous, eventHash(history[1] as HistoryEvent));
        assert.deepEqual(Object.keys(history[0]!).sort(), [
          'actor',
          'alias',
          'from',
          'message',
          'operation',
          'previous',
          'time',
          'to',
          'tool',
        ]);
        assert.deepEqual((await verifyAliasHistory(repo, C)).events, 5);
      }));

    it('filters by alias, limit and since; reading a component without history gives nothing', () =>
      withRepo(async (repo) => {
        assert.deepEqual(await getAliasHistory(repo, 'example.com/none/such'), []);
        await versions(repo, '1.0.0', '2.0.0');
        for (let i = 0; i < 6; i++) {
          await repo.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '2.0.0', 'dev');
          if (i % 3 === 0) await repo.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '2.0.0', 'prod');
        }
        const dev = await getAliasHistory(repo, C, { alias: 'dev' });
        assert.equal(dev.length, 6);
        assert.ok(dev.every((e) => e.alias === 'dev'));
        const prod = await getAliasHistory(repo, C, { alias: 'prod', limit: 1 });
        assert.deepEqual(
          prod.map((e) => e.to?.version),
          ['1.0.0'],
        );
        const recent = await getAliasHistory(repo, C, { since: at(5) });
        assert.ok(recent.length > 0 && recent.every((e) => e.time !== null && e.time >= at(5)));
        await assert.rejects(getAliasHistory(repo, C, { since: 'yesterday' }), InvalidTimeError);
        await assert.rejects(getAliasHistory(repo, C, { since: '2026-02-30' }), InvalidTimeError);
      }));

    it('answers where an alias pointed at a time: between moves, before the first, after the last', () =>
      withRepo(async (repo) => {
        await versions(repo, '1.0.0', '1.1.0', '1.2.0');
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod'); // minute 0
        await repo.addComponentVersionAlias(C, '1.1.0', 'prod'); // 1
        await repo.addComponentVersionAlias(C, '1.2.0', 'prod'); // 2
        await repo.removeComponentVersionAlias(C, 'prod'); // 3
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod'); // 4
        const when = (m: number) => new Date(Date.parse(at(m)) + 30_000);
        assert.equal((await resolveAliasAt(repo, C, 'prod', when(0))).version, '1.0.0');
        assert.equal((await resolveAliasAt(repo, C, 'prod', when(1))).version, '1.1.0');
        assert.equal(
          (await resolveAliasAt(repo, C, 'prod', at(2))).version,
          '1.2.0',
          'at the instant of a move',
        );
        await assert.rejects(resolveAliasAt(repo, C, 'prod', when(3)), NotFoundError, 'removed then');
        assert.equal(
          (await resolveAliasAt(repo, C, 'prod', '2099-01-01')).version,
          '1.0.0',
          'after the last',
        );
        await assert.rejects(
          resolveAliasAt(repo, C, 'prod', '2026-03-01'),
          NotFoundError,
          'before the first',
        );
        await assert.rejects(resolveAliasAt(repo, C, 'dev', '2099-01-01'), NotFoundError, 'never recorded');
        await assert.rejects(resolveAliasAt(repo, C, 'prod', 'not a time'), InvalidTimeError);
      }));

    it('rolls back twice: two moves back, each recorded as rollback with expect = where it is now', () =>
      withRepo(async (repo) => {
        const d = await versions(repo, '1.0.0', '1.1.0', '1.2.0');
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        await repo.addComponentVersionAlias(C, '1.1.0', 'prod');
        await repo.addComponentVersionAlias(C, '1.2.0', 'prod');
        const first = await rollbackAlias(repo, C, 'prod', { message: 'bad release', actor: 'oncall' });
        assert.deepEqual(first.to, point(d, '1.1.0'));
        assert.equal((await repo.resolveComponentVersion(C, 'prod')).version, '1.1.0');
        const second = await rollbackAlias(repo, C, 'prod');
        assert.deepEqual(second.to, point(d, '1.0.0'));
        assert.equal((await repo.resolveComponentVersion(C, 'prod')).version, '1.0.0');
        const history = (await getAliasHistory(repo, C, { alias: 'prod' })) as HistoryEvent[];
        assert.deepEqual(
          history.map((e) => [e.operation, e.from?.version, e.to?.version]),
          [
            ['rollback', '1.1.0', '1.0.0'],
            ['rollback', '1.2.0', '1.1.0'],
            ['tag', '1.1.0', '1.2.0'],
            ['tag', '1.0.0', '1.1.0'],
            ['tag', undefined, '1.0.0'],
          ],
        );
        assert.equal(history[1]!.message, 'bad release');
        assert.equal(history[1]!.actor, 'oncall');
        assert.deepEqual(history[0]!.details, { steps: 1 });
        // Back to before the first move: the alias did not exist, so rollback removes it.
        await rollbackAlias(repo, C, 'prod');
        await assert.rejects(repo.resolveComponentVersion(C, 'prod'), NotFoundError);
        await assert.rejects(rollbackAlias(repo, C, 'prod'), NothingToRollBackError);
        // A stale expect changes nothing.
        await repo.addComponentVersionAlias(C, '1.2.0', 'prod');
        await assert.rejects(rollbackAlias(repo, C, 'prod', { expect: '1.0.0' }), { code: 'ALIAS_CONFLICT' });
        assert.equal((await repo.resolveComponentVersion(C, 'prod')).version, '1.2.0');
      }));

    it('since when an alias holds its target; an untracked move restarts the clock', () =>
      withRepo(async (repo, _backend, plain) => {
        await versions(repo, '1.0.0', '1.1.0');
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod'); // minute 0
        await repo.addComponentVersionAlias(C, '1.1.0', 'dev'); // 1
        const held = await aliasHeldSince(repo, C, 'prod');
        assert.equal(held.since, at(0));
        assert.equal(held.target?.version, '1.0.0');
        assert.equal(held.untracked, false);
        await plain.addComponentVersionAlias(C, '1.1.0', 'prod'); // not recorded
        const moved = await aliasHeldSince(repo, C, 'prod');
        assert.equal(moved.since, null);
        assert.equal(moved.untracked, true);
        assert.equal(moved.target?.version, '1.1.0');
      }));

    it('shows a move made around it (raw tag, no journal) as untracked, on top, in table and filter', () =>
      withRepo(async (repo, backend, plain) => {
        const d = await versions(repo, '1.0.0', '1.1.0');
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
        // Another tool moves prod with a bare tag write; a client without journal sets qa.
        const store = backend.provider.repository(repo.repositoryOf(C));
        await store.tag(await store.resolve('1.1.0'), 'prod');
        await plain.addComponentVersionAlias(C, '1.1.0', 'qa');
        const history = await getAliasHistory(repo, C);
        assert.deepEqual(history.slice(0, 2), [
          {
            alias: 'prod',
            from: point(d, '1.0.0'),
            to: point(d, '1.1.0'),
            operation: 'untracked',
            time: null,
            actor: null,
            message: null,
            tool: null,
            previous: null,
          },
          {
            alias: 'qa',
            from: null,
            to: point(d, '1.1.0'),
            operation: 'untracked',
            time: null,
            actor: null,
            message: null,
            tool: null,
            previous: null,
          },
        ]);
        assert.equal(history.length, 4);
        const filtered = await getAliasHistory(repo, C, { alias: 'prod' });
        assert.deepEqual(
          filtered.map((e) => e.operation),
          ['untracked', 'tag'],
        );
        // Recording the next move closes the gap: from = what the alias really was.
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        const after = await getAliasHistory(repo, C, { alias: 'prod' });
        assert.deepEqual(
          after.map((e) => [e.operation, e.from?.version, e.to?.version]),
          [
            ['tag', '1.1.0', '1.0.0'],
            ['tag', undefined, '1.0.0'],
          ],
        );
      }));

    it('reports an edited event with its position, as a forger who re-stores chunk and manifest would leave it', () =>
      withRepo(async (repo, backend) => {
        await versions(repo, '1.0.0', '1.1.0');
        for (let i = 0; i < 7; i++) await repo.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '1.1.0', 'prod');
        await verifyAliasHistory(repo, C);
        await forgeEvent(backend.provider, repo.repositoryOf(C), 4, (e) => ({ ...e, actor: 'mallory' }));
        await assert.rejects(getAliasHistory(repo, C), (err: unknown) => {
          assert.ok(err instanceof HistoryIntegrityError);
          assert.equal(err.position, 4);
          assert.equal(err.code, 'HISTORY_INTEGRITY');
          return true;
        });
        await refusesToExtend(repo, backend, HistoryIntegrityError);
      }));

    it('reports a removed event and a reordered pair', () =>
      withRepo(async (repo, backend) => {
        await versions(repo, '1.0.0', '1.1.0');
        for (let i = 0; i < 5; i++) await repo.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '1.1.0', 'dev');
        // Reorder: swap events 2 and 3 by swapping their content but keeping the stored order.
        const store = backend.provider.repository(repo.repositoryOf(C));
        assert.ok(canFetchReference(store));
        const got = await store.fetchReference(HISTORY_TAG);
        const m = JSON.parse(Buffer.from(await readAll(got.content, 1 << 22)).toString());
        const original: string[] = m.annotations['software.ocm.history.recent'].split('\n');
        const lines = [...original];
        [lines[1], lines[2]] = [lines[2]!, lines[1]!];
        m.annotations['software.ocm.history.recent'] = lines.join('\n');
        const swapped = blob(JSON.stringify(m), got.descriptor.mediaType);
        await store.push(swapped.descriptor, swapped.bytes);
        await store.tag(swapped.descriptor, HISTORY_TAG);
        await assert.rejects(getAliasHistory(repo, C), HistoryIntegrityError);
        // Remove event 3 (and fix the count, as a careful forger would).
        const fewer = original.filter((_, i) => i !== 2);
        m.annotations['software.ocm.history.recent'] = fewer.join('\n');
        m.annotations['software.ocm.history.events'] = '4';
        const removed = blob(JSON.stringify(m), got.descriptor.mediaType);
        await store.push(removed.descriptor, removed.bytes);
        await store.tag(removed.descriptor, HISTORY_TAG);
        await assert.rejects(getAliasHistory(repo, C), HistoryIntegrityError);
      }));

    it('never lists or resolves the reserved tag as a version or an alias', () =>
      withRepo(async (repo) => {
        await versions(repo, '1.0.0');
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        const tags: string[] = [];
        for await (const page of repo.ociStore(C).tags()) tags.push(...page);
        assert.ok(tags.includes(HISTORY_TAG));
        assert.deepEqual(await repo.listComponentVersions(C), ['1.0.0']);
        assert.deepEqual(
          (await repo.listComponentVersionAliases(C)).map((a) => a.alias),
          ['prod'],
        );
        await assert.rejects(repo.resolveComponentVersion(C, HISTORY_TAG), NotFoundError);
        await assert.rejects(repo.getComponentVersion(C, '_ocm.stages'), NotFoundError);
        await assert.rejects(repo.addComponentVersionAlias(C, '1.0.0', HISTORY_TAG), {
          code: 'INVALID_ALIAS',
        });
        await assert.rejects(repo.removeComponentVersionAlias(C, HISTORY_TAG), { code: 'INVALID_ALIAS' });
      }));

    it('bad input writes nothing: a too long message, an empty actor, a history of the wrong type', () =>
      withRepo(async (repo, backend) => {
        await versions(repo, '1.0.0');
        await assert.rejects(
          repo.addComponentVersionAlias(C, '1.0.0', 'prod', { message: 'x'.repeat(5000) }),
          InvalidHistoryInputError,
        );
        await assert.rejects(
          repo.addComponentVersionAlias(C, '1.0.0', 'prod', { actor: '' }),
          InvalidHistoryInputError,
        );
        await assert.rejects(repo.resolveComponentVersion(C, 'prod'), NotFoundError, 'nothing moved');
        // Something else under the reserved tag: a manifest with an ordinary config.
        const store = backend.provider.repository(repo.repositoryOf(C));
        const other = await tagForeignHistory(store);
        await assert.rejects(getAliasHistory(repo, C), MalformedHistoryError);
        await refusesToExtend(repo, backend, MalformedHistoryError);
        assert.equal((await store.resolve(HISTORY_TAG)).digest, other.descriptor.digest, 'left as it was');
        assert.equal(digestOf(other.bytes), other.descriptor.digest);
      }));

    it('records replace moves, and policy changes without an alias', () =>
      withRepo(async (repo) => {
        const first = await versions(repo, '1.0.0');
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        const replaced = await repo.addComponentVersion(
          { ...descriptor('1.0.0'), component: { ...descriptor('1.0.0').component, provider: 'other.org' } },
          { conflict: 'replace', moveAliases: true, message: 'rebuilt' },
        );
        await repo.recordPolicyChange(C, { document: `sha256:${'a'.repeat(64)}` }, { actor: 'admin' });
        const [policy, replace] = (await getAliasHistory(repo, C)) as HistoryEvent[];
        assert.equal(policy!.operation, 'policy');
        assert.equal(policy!.alias, null);
        assert.deepEqual(policy!.details, { document: `sha256:${'a'.repeat(64)}` });
        assert.equal(replace!.operation, 'replace');
        assert.deepEqual(replace!.from, point(first, '1.0.0'));
        assert.deepEqual(replace!.to, { version: '1.0.0', digest: replaced.digest });
        assert.equal(replace!.message, 'rebuilt');
      }));

    it('promote-style moves carry an operation and details', () =>
      withRepo(async (repo) => {
        await versions(repo, '1.0.0');
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod', {
          operation: 'promote',
          details: { gates: [{ gate: 'soak', result: 'pass' }] },
        });
        await repo.addComponentVersionAlias(C, '1.0.0', 'qa', { details: { forced: true } });
        const [forced, promote] = (await getAliasHistory(repo, C)) as HistoryEvent[];
        assert.equal(promote!.operation, 'promote');
        assert.deepEqual(promote!.details, { gates: [{ gate: 'soak', result: 'pass' }] });
        assert.equal(forced!.operation, 'tag');
        assert.deepEqual(forced!.details, { forced: true });
        await assert.rejects(
          repo.addComponentVersionAlias(C, '1.0.0', 'dev', { details: { big: 'x'.repeat(20_000) } }),
          InvalidHistoryInputError,
        );
      }));

    it('seals older events into chunks and still reads and verifies everything', { timeout: 300_000 }, () =>
      withRepo(async (repo) => {
        await versions(repo, '1.0.0', '1.1.0');
        const n = 300;
        for (let i = 0; i < n; i++) await repo.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '1.1.0', 'dev');
        const all = (await getAliasHistory(repo, C)) as HistoryEvent[];
        assert.equal(all.length, n);
        for (let i = 0; i + 1 < all.length; i++) assert.equal(all[i]!.previous, eventHash(all[i + 1]!));
        const newest = await getAliasHistory(repo, C, { limit: 50, reconcile: false });
        assert.deepEqual(newest, all.slice(0, 50));
        const deep = await getAliasHistory(repo, C, { limit: 250, reconcile: false });
        assert.deepEqual(deep, all.slice(0, 250));
        assert.equal((await resolveAliasAt(repo, C, 'dev', at(10))).version, '1.1.0');
      }),
    );
  });
}
