/**
 * The history's parts on their own: canonical JSON against the RFC 8785 implementation, time
 * parsing, malformed chunks and manifests, the read limit, and the `sign` operation.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CtfStore } from '../../src/ctf/store.js';
import { canonicalJson } from '../../src/descriptor/normalisation/index.js';
import { OcmRepository, signComponentVersion } from '../../src/repository/index.js';
import { decodeEvents, encodeChunk, encodeHead, HISTORY_TAG } from '../../src/stages/history/codec.js';
import { canonical } from '../../src/stages/history/model.js';
import {
  eventHash,
  getAliasHistory,
  type HistoryEvent,
  HistoryJournal,
  HistoryTooLargeError,
  MalformedHistoryError,
  parseTime,
} from '../../src/stages/index.js';
import { minuteClock } from '../contract/history-contract.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

const digest = `sha256:${'1'.repeat(64)}`;
const event = (over: Partial<HistoryEvent> = {}): HistoryEvent => ({
  alias: 'prod',
  from: null,
  to: { version: '1.0.0', digest },
  operation: 'tag',
  time: '2026-03-01T10:00:00.000Z',
  actor: 'a',
  message: null,
  tool: 'ocm-ts/0.1.0',
  previous: null,
  ...over,
});

async function withCtf(fn: (store: CtfStore, repo: OcmRepository) => Promise<void>) {
  const dir = await tempDir();
  const store = await CtfStore.open(join(dir.path, 'ctf'), { create: true });
  try {
    await fn(store, new OcmRepository(store, { journal: new HistoryJournal({ now: minuteClock() }) }));
  } finally {
    await store.close();
    await dir.remove();
  }
}

describe('alias history parts', () => {
  it('canonical JSON of events equals RFC 8785 (JCS), details with numbers and unicode included', () => {
    const samples = [
      event(),
      event({ message: 'ünïcödé \u2028 "quoted" \\ \n tab\t', actor: '😀 emoji' }),
      event({
        details: {
          gates: [{ gate: 'soak', result: 'pass', hours: 36.5 }],
          big: 1e21,
          small: 1e-7,
          neg: -0,
          z: { b: 1, a: [] },
        },
      }),
    ];
    for (const e of samples) assert.equal(canonical(e), canonicalJson(e));
  });

  it('parses RFC 3339 and dates, refuses the rest', () => {
    assert.equal(parseTime('2026-01-31').toISOString(), '2026-01-31T00:00:00.000Z');
    assert.equal(parseTime('2026-01-31T12:00:00+02:00').toISOString(), '2026-01-31T10:00:00.000Z');
    assert.equal(parseTime('2026-01-31T12:00:00.123456Z').toISOString(), '2026-01-31T12:00:00.123Z');
    for (const bad of ['', 'now', '2026-02-30', '2026-13-01', '31.01.2026', '2026-01-31 12:00', '1700000000'])
      assert.throws(() => parseTime(bad), { code: 'INVALID_TIME' }, bad);
  });

  it('refuses malformed lines: not JSON, unknown fields and operations, bad digests', () => {
    const ok = canonical(event());
    assert.equal(decodeEvents(`${ok}\n`, 'x').length, 1);
    for (const bad of [
      '{',
      canonical({ ...event(), extra: 1 }),
      canonical(event({ operation: 'delete' as never })),
      canonical(event({ previous: 'sha256:xyz' })),
      canonical(event({ time: 'yesterday' })),
      canonical(event({ alias: null })),
      canonical({ ...event(), to: { version: '1.0.0' } }),
    ])
      assert.throws(() => decodeEvents(bad, 'x'), MalformedHistoryError, bad);
  });

  it('a sealed chunk that is not what the manifest says is a typed error; the read limit is enforced', () =>
    withCtf(async (_store, repo) => {
      await repo.addComponentVersion(descriptor('1.0.0'));
      await repo.addComponentVersion(descriptor('1.1.0'));
      for (let i = 0; i < 140; i++) await repo.addComponentVersionAlias(C, i % 2 ? '1.0.0' : '1.1.0', 'dev');
      assert.equal((await getAliasHistory(repo, C, { reconcile: false })).length, 140);
      await assert.rejects(getAliasHistory(repo, C, { maxBytes: 10_000 }), HistoryTooLargeError);
      // Replace the sealed chunk with one that has fewer events than the manifest counts.
      const oci = repo.ociStore(C);
      const events = (await getAliasHistory(repo, C, { reconcile: false })) as HistoryEvent[];
      const oldest = events.slice().reverse();
      const recent = oldest.slice(-64);
      const short = encodeChunk(oldest.slice(0, 10), eventHash(oldest[75]!));
      await oci.push(short.descriptor, short.bytes);
      const forged = encodeHead({
        count: 140,
        head: eventHash(recent.at(-1)!),
        recent,
        chunks: [
          {
            descriptor: {
              ...short.descriptor,
              annotations: { ...short.descriptor.annotations, 'software.ocm.history.events': '76' },
            },
            count: 76,
            last: eventHash(oldest[75]!),
          },
        ],
      });
      await oci.push(forged.descriptor, forged.bytes);
      await oci.tag(forged.descriptor, HISTORY_TAG);
      await assert.rejects(getAliasHistory(repo, C), MalformedHistoryError);
      // The newest events are still readable without touching the chunk.
      assert.equal((await getAliasHistory(repo, C, { limit: 50, reconcile: false })).length, 50);
    }));

  it('sign cv moves aliases and records them as sign', () =>
    withCtf(async (_store, repo) => {
      await repo.addComponentVersion(descriptor('1.0.0'));
      await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const signed = await signComponentVersion(repo, C, 'prod', {
        name: 'acme',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      });
      const [sign] = (await getAliasHistory(repo, C)) as HistoryEvent[];
      assert.equal(sign!.operation, 'sign');
      assert.equal(sign!.alias, 'prod');
      assert.equal(sign!.to?.digest, signed.digest);
      assert.equal(sign!.from?.digest, signed.previousDigest);
    }));
});
