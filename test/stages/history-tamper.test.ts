/**
 * Hand edits of the stored history, as someone with write access to the repository could make them,
 * and what the gates then see (docs/history.md, Integrity). Stage gates read the history through the
 * hash chain only: an edited summary annotation changes nothing, an edited event breaks the chain,
 * and only a forger who recomputes the whole chain from the edit on is believed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CtfStore } from '../../src/ctf/store.js';
import { canonicalJson } from '../../src/descriptor/normalisation/index.js';
import { digestOf } from '../../src/oci/digest.js';
import { OcmRepository } from '../../src/repository/index.js';
import { encodeHead, HISTORY_TAG } from '../../src/stages/history/codec.js';
import { chain, readHead, readWholeHistory } from '../../src/stages/history/log.js';
import {
  aliasHeldSince,
  eventHash,
  getAliasHistory,
  HistoryIntegrityError,
  HistoryJournal,
} from '../../src/stages/index.js';
import { blob, manifest } from '../support/content.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

const t0 = new Date('2026-03-01T10:00:00Z');

async function staged(fn: (repo: OcmRepository, store: CtfStore) => Promise<void>) {
  const dir = await tempDir();
  const store = await CtfStore.open(`${dir.path}/ctf`, { create: true });
  try {
    const repo = new OcmRepository(store, { journal: new HistoryJournal({ now: () => t0, actor: 'ci' }) });
    for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
    await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
    await repo.addComponentVersionAlias(C, '1.0.0', 'staging');
    await fn(repo, store);
  } finally {
    await store.close();
    await dir.remove();
  }
}

/** Stores `annotations` edits of the head manifest under its correct digest and retags it. */
async function editHead(
  repo: OcmRepository,
  edit: (annotations: Record<string, string>) => void,
): Promise<void> {
  const store = repo.ociStore(C);
  const head = (await readHead(store, C))!;
  const { events } = await readWholeHistory(store, C);
  const out = encodeHead({ count: head.count, head: head.head, recent: [...events].reverse(), chunks: [] });
  const manifest = JSON.parse(Buffer.from(out.bytes).toString());
  edit(manifest.annotations);
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const d = { mediaType: out.descriptor.mediaType, digest: digestOf(bytes), size: bytes.byteLength };
  await store.push(d, bytes);
  await store.tag(d, HISTORY_TAG);
}

describe('hand edits of the history and the gates', () => {
  it('an alias retagged by hand onto something that is not a version is shown with its problem, not as removed', () =>
    staged(async (repo) => {
      const store = repo.ociStore(C);
      const config = blob('{}', 'application/vnd.oci.empty.v1+json');
      const other = manifest([], config, 'not a component version');
      await store.push(config.descriptor, config.bytes);
      await store.push(other.descriptor, other.bytes);
      await store.tag(other.descriptor, 'staging');
      const [row] = await getAliasHistory(repo, C);
      assert.equal(row!.operation, 'untracked');
      assert.equal(row!.alias, 'staging');
      assert.equal(row!.to, null);
      assert.match((row as { problem?: string }).problem ?? '', /not a version of/);
      const only = await getAliasHistory(repo, C, { alias: 'staging' });
      assert.match((only[0] as { problem?: string }).problem ?? '', /staging/);
      const listed = await repo.listComponentVersionAliases(C);
      assert.match(listed.find((a) => a.alias === 'staging')?.problem ?? '', /not a version of/);
    }));

  it('an edited alias summary (staging since 2020, the old gate bypass) changes nothing: since comes from the events', () =>
    staged(async (repo) => {
      await editHead(repo, (a) => {
        a['software.ocm.history.aliases'] = canonicalJson({
          staging: { to: null, time: '2020-01-01T00:00:00.000Z' },
        } as never);
      });
      const since = await aliasHeldSince(repo, C, 'staging');
      assert.equal(
        since.since,
        t0.toISOString(),
        'the soak clock starts at the recorded move, not at the edit',
      );
    }));

  it('an edited event breaks the chain: the gate is refused with the position, nothing is believed', () =>
    staged(async (repo) => {
      const { events } = await readWholeHistory(repo.ociStore(C), C);
      await editHead(repo, (a) => {
        const lines = a['software.ocm.history.recent']!.split('\n');
        lines[1] = lines[1]!.replace(t0.toISOString(), '2020-01-01T00:00:00.000Z');
        a['software.ocm.history.recent'] = lines.join('\n');
      });
      assert.equal(events.length, 2);
      await assert.rejects(aliasHeldSince(repo, C, 'staging'), (err: unknown) => {
        assert.ok(err instanceof HistoryIntegrityError);
        assert.equal(err.position, 2);
        return true;
      });
    }));

  it('a forger who recomputes the chain from the edit on is believed: the chain is not a signature', () =>
    staged(async (repo) => {
      const store = repo.ociStore(C);
      const { events } = await readWholeHistory(store, C);
      const oldestFirst = [...events].reverse().map(({ previous: _, ...e }) => e);
      oldestFirst[1] = { ...oldestFirst[1]!, time: '2020-01-01T00:00:00.000Z' };
      const forged = chain(null, oldestFirst);
      const out = encodeHead({ count: 2, head: eventHash(forged.at(-1)!), recent: forged, chunks: [] });
      await store.push(out.descriptor, out.bytes);
      await store.tag(out.descriptor, HISTORY_TAG);
      assert.equal((await aliasHeldSince(repo, C, 'staging')).since, '2020-01-01T00:00:00.000Z');
    }));
});
