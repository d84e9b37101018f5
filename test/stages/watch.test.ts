/**
 * watchAlias on the three stores: memory (stepped clock), a CTF (real fs.watch, and the polling
 * fallback), and a real Distribution registry (stepped clock; requests counted per look).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { watchFile } from '../../src/ctf/watch.js';
import { MemoryStore } from '../../src/oci/content/memory.js';
import type { Store, StoreProvider } from '../../src/oci/content/storage.js';
import { openRepository } from '../../src/open.js';
import type { RequestEvent } from '../../src/registry/index.js';
import { InvalidAliasError, OcmRepository } from '../../src/repository/index.js';
import { type AliasMove, type WatchClock, watchAlias } from '../../src/stages/watch.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { sharedRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';
import { within } from '../support/within.js';

/** A clock whose sleeps end only when the test says so. */
class SteppedClock implements WatchClock {
  time = new Date('2026-01-01T00:00:00Z');
  readonly sleeps: number[] = [];
  #waiting: (() => void) | undefined;
  #arrived: (() => void) | undefined;
  #arrival = new Promise<void>((r) => (this.#arrived = r));

  now(): Date {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => {
      this.#waiting = resolve;
      signal?.addEventListener('abort', () => resolve(), { once: true });
      this.#arrived?.();
    });
  }

  /** Waits until the watcher sleeps. */
  async asleep(): Promise<void> {
    await this.#arrival;
    this.#arrival = new Promise<void>((r) => (this.#arrived = r));
  }

  /** Ends the current sleep, advancing time by `ms`. */
  wake(ms = 1000): void {
    this.time = new Date(this.time.getTime() + ms);
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.();
  }
}

async function seed(repository: OcmRepository, versions: readonly string[]) {
  for (const v of versions) await repository.addComponentVersion(descriptor(v));
}

/** Pulls moves from the iterator one at a time. */
function puller(it: AsyncGenerator<AliasMove>) {
  return () => it.next().then((r) => (r.done ? undefined : r.value));
}

describe('watchAlias on a memory store (stepped clock)', () => {
  it('yields each move with from, to and the time it was seen, and a removal as to: null', async () => {
    const repository = new OcmRepository(new MemoryStore());
    await seed(repository, ['1.0.0', '1.1.0']);
    await repository.addComponentVersionAlias(C, '1.0.0', 'prod');
    const clock = new SteppedClock();
    const ac = new AbortController();
    const next = puller(watchAlias(repository, C, 'prod', { interval: 1000, clock, signal: ac.signal }));
    const first = next();
    await clock.asleep(); // baseline taken, nothing yielded
    await repository.addComponentVersionAlias(C, '1.1.0', 'prod');
    clock.wake(1000);
    const move = await first;
    assert.equal(move?.component, C);
    assert.equal(move?.alias, 'prod');
    assert.equal(move?.from?.version, '1.0.0');
    assert.equal(move?.to?.version, '1.1.0');
    assert.equal(move?.time, '2026-01-01T00:00:01.000Z');
    const second = next();
    await clock.asleep();
    await repository.removeComponentVersionAlias(C, 'prod');
    clock.wake();
    const removed = await second;
    assert.equal(removed?.from?.version, '1.1.0');
    assert.equal(removed?.to, null);
    const third = next();
    await clock.asleep();
    ac.abort();
    assert.equal(await third, undefined, 'aborting ends the iteration normally');
    assert.deepEqual(clock.sleeps, [1000, 1000, 1000]);
  });

  it('with initial, yields the current target first; a look without a move yields nothing', async () => {
    const repository = new OcmRepository(new MemoryStore());
    await seed(repository, ['1.0.0', '2.0.0']);
    await repository.addComponentVersionAlias(C, '1.0.0', 'dev');
    const clock = new SteppedClock();
    const ac = new AbortController();
    const next = puller(
      watchAlias(repository, C, 'dev', { interval: 500, clock, signal: ac.signal, initial: true }),
    );
    const initial = await next();
    assert.equal(initial?.from, null);
    assert.equal(initial?.to?.version, '1.0.0');
    const pending = next();
    await clock.asleep();
    clock.wake(); // a look: unchanged
    await clock.asleep();
    clock.wake(); // another: unchanged
    await clock.asleep();
    await repository.addComponentVersionAlias(C, '2.0.0', 'dev');
    await repository.addComponentVersionAlias(C, '1.0.0', 'dev'); // moved and back between two looks
    await repository.addComponentVersionAlias(C, '2.0.0', 'dev');
    clock.wake();
    const move = await pending;
    assert.equal(move?.from?.version, '1.0.0');
    assert.equal(move?.to?.version, '2.0.0');
    ac.abort();
  });

  it('reports failing looks with a doubling backoff, keeps watching, and reports the recovery', async () => {
    const memory = new MemoryStore();
    let failing = 0;
    const provider: StoreProvider = {
      repository: (name) => {
        const store = memory.repository(name);
        return new Proxy(store, {
          get(target, key, receiver) {
            if (key === 'resolve' && failing > 0) {
              return async () => {
                failing--;
                throw new Error('connect ECONNREFUSED 127.0.0.1:1');
              };
            }
            const value = Reflect.get(target, key, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as Store;
      },
      repositories: () => memory.repositories(),
    };
    const repository = new OcmRepository(provider);
    await seed(repository, ['1.0.0', '1.1.0']);
    await repository.addComponentVersionAlias(C, '1.0.0', 'prod');
    const clock = new SteppedClock();
    const ac = new AbortController();
    const errors: { message: string; failures: number; retryIn: number }[] = [];
    let recovered = 0;
    const next = puller(
      watchAlias(repository, C, 'prod', {
        interval: 1000,
        maxBackoff: 3000,
        clock,
        signal: ac.signal,
        onError: (e, f) => errors.push({ message: e.message, ...f }),
        onRecover: (n) => (recovered = n),
      }),
    );
    const pending = next();
    await clock.asleep();
    failing = 3;
    clock.wake();
    for (let i = 0; i < 3; i++) {
      await clock.asleep();
      clock.wake();
    }
    await clock.asleep();
    await repository.addComponentVersionAlias(C, '1.1.0', 'prod');
    clock.wake();
    const move = await pending;
    assert.equal(move?.to?.version, '1.1.0');
    assert.deepEqual(
      errors.map((e) => [e.failures, e.retryIn]),
      [
        [1, 1000],
        [2, 2000],
        [3, 3000],
      ],
    );
    assert.match(errors[0]!.message, /ECONNREFUSED/);
    assert.equal(recovered, 3);
    ac.abort();
  });

  it('with known, the first look waits for the interval and a move made meanwhile is still seen', async () => {
    const repository = new OcmRepository(new MemoryStore());
    await seed(repository, ['1.0.0', '1.1.0']);
    const before = await repository.addComponentVersionAlias(C, '1.0.0', 'prod');
    const clock = new SteppedClock();
    const ac = new AbortController();
    const next = puller(
      watchAlias(repository, C, 'prod', {
        interval: 1000,
        clock,
        signal: ac.signal,
        known: { version: '1.0.0', digest: before.digest },
      }),
    );
    const pending = next();
    await clock.asleep();
    assert.deepEqual(clock.sleeps, [1000], 'asleep before any look');
    await repository.addComponentVersionAlias(C, '1.1.0', 'prod');
    clock.wake();
    const move = await pending;
    assert.equal(move?.from?.version, '1.0.0');
    assert.equal(move?.to?.version, '1.1.0');
    ac.abort();
  });

  it('refuses a name that is not an alias', async () => {
    const repository = new OcmRepository(new MemoryStore());
    await assert.rejects(watchAlias(repository, C, '1.0.0').next(), InvalidAliasError);
  });
});

describe('watchAlias on a CTF (file-system notification)', () => {
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  after(() => dir?.remove());

  for (const form of ['directory', 'tgz'] as const) {
    it(`sees a move made by another writer through the notification, not a timer (${form})`, async () => {
      dir ??= await tempDir();
      const path = join(dir.path, form === 'directory' ? 'ctf' : 'ctf.tgz');
      const writer = await openRepository(path, { create: true });
      const reader = await openRepository(path);
      const ac = new AbortController();
      try {
        await seed(writer.repository, ['1.0.0', '1.1.0']);
        await writer.repository.addComponentVersionAlias(C, '1.0.0', 'staging');
        const clock = new SteppedClock();
        const it = watchAlias(reader.repository, C, 'staging', {
          // The fallback poll would take an hour: a move seen within the bound below came through
          // the file-system notification.
          interval: 3_600_000,
          clock,
          signal: ac.signal,
          initial: true,
        });
        assert.equal((await it.next()).value?.to?.version, '1.0.0');
        const pending = it.next();
        await writer.repository.addComponentVersionAlias(C, '1.1.0', 'staging');
        const move = (await within(pending, 10_000, 'the move through the notification')).value as AliasMove;
        assert.equal(move.from?.version, '1.0.0');
        assert.equal(move.to?.version, '1.1.0');
        assert.deepEqual(clock.sleeps, [], 'no timer was used');
        const ending = it.next();
        ac.abort();
        assert.equal((await ending).done, true);
      } finally {
        // Also ends a watch left waiting on its hour-long poll, so the test process can end.
        ac.abort();
        await reader.close();
        await writer.close();
      }
    });
  }

  it('falls back to polling the file identity', async () => {
    dir ??= await tempDir();
    const file = join(dir.path, 'polled.json');
    await writeFile(file, '{}');
    const ac = new AbortController();
    const it = watchFile(file, { poll: true, pollInterval: 20, signal: ac.signal });
    const pending = it.next();
    await writeFile(file, '{"changed":true}');
    assert.equal((await pending).done, false);
    const ending = it.next();
    ac.abort();
    assert.equal((await ending).done, true);
  });
});

describe('watchAlias on a registry', () => {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());

  it('costs one HEAD per look, and one GET more only when the alias moved', async () => {
    const reg = await registry.get();
    const writer = await openRepository(`${reg.host}/watch`);
    const events: RequestEvent[] = [];
    const reader = await openRepository(`${reg.host}/watch`, { onRequest: (e) => events.push(e) });
    try {
      await seed(writer.repository, ['1.0.0', '1.1.0']);
      await writer.repository.addComponentVersionAlias(C, '1.0.0', 'prod');
      const clock = new SteppedClock();
      const ac = new AbortController();
      const next = puller(
        watchAlias(reader.repository, C, 'prod', { interval: 30_000, clock, signal: ac.signal }),
      );
      const pending = next();
      await clock.asleep();
      assert.deepEqual(
        events.map((e) => e.method),
        ['HEAD', 'GET'],
        'the first look: HEAD, then GET for the version',
      );
      events.length = 0;
      for (let i = 0; i < 5; i++) {
        clock.wake(30_000);
        await clock.asleep();
      }
      assert.deepEqual(
        events.map((e) => `${e.method} ${new URL(e.url).pathname}`),
        Array(5).fill(`HEAD /v2/watch/component-descriptors/${C}/manifests/prod`),
        'five unchanged looks: five HEADs',
      );
      events.length = 0;
      await writer.repository.addComponentVersionAlias(C, '1.1.0', 'prod');
      clock.wake(30_000);
      const move = await pending;
      assert.equal(move?.from?.version, '1.0.0');
      assert.equal(move?.to?.version, '1.1.0');
      assert.deepEqual(
        events.map((e) => e.method),
        ['HEAD', 'GET'],
      );
      ac.abort();
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});
