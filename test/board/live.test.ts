import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoardReader } from '../../src/board/data.js';
import { LiveBoard, type LiveEvent } from '../../src/board/live.js';
import { MemoryStore } from '../../src/oci/content/memory.js';
import type { Store, StoreProvider } from '../../src/oci/content/storage.js';
import { OcmRepository } from '../../src/repository/index.js';
import type { WatchClock } from '../../src/stages/watch.js';
import { descriptor } from '../support/descriptors.js';

/** A clock whose sleeps never end: each watcher makes its first look and then waits. */
const frozen: WatchClock = {
  now: () => new Date('2026-01-01T00:00:00Z'),
  sleep: () => new Promise(() => {}),
};

describe('live board', () => {
  it('runs at most 8 looks at once, however many aliases it watches', async () => {
    const memory = new MemoryStore();
    let inFlight = 0;
    let most = 0;
    let looks = 0;
    const provider: StoreProvider = {
      repository: (name) => {
        const store = memory.repository(name);
        return new Proxy(store, {
          get(target, key, receiver) {
            if (key === 'resolve')
              return async (...args: Parameters<Store['resolve']>) => {
                inFlight++;
                looks++;
                most = Math.max(most, inFlight);
                try {
                  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
                  return await target.resolve(...args);
                } finally {
                  inFlight--;
                }
              };
            const value = Reflect.get(target, key, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as Store;
      },
      repositories: () => memory.repositories(),
    };
    const repository = new OcmRepository(provider);
    const names = Array.from({ length: 6 }, (_, i) => `example.com/live/c${i}`);
    for (const name of names) {
      await repository.addComponentVersion(descriptor('1.0.0', { name }));
      for (const a of ['dev', 'qa', 'test', 'staging', 'prod'])
        await repository.addComponentVersionAlias(name, '1.0.0', a);
    }
    looks = 0;
    most = 0;
    const live = new LiveBoard(new BoardReader({ sources: [{ label: 'memory', repository }] }), {
      clock: frozen,
    });
    const events: LiveEvent[] = [];
    live.subscribe((e) => events.push(e));
    for (const name of names)
      for (const a of ['dev', 'qa', 'test', 'staging', 'prod']) live.watch(0, name, a);
    assert.equal(live.size, 30);
    while (looks < 30) await new Promise((r) => setImmediate(r));
    while (inFlight > 0) await new Promise((r) => setImmediate(r));
    assert.ok(most <= 8 && most > 1, `at most 8 looks at once, saw ${most}`);
    // A move announced by the board is told once, even when a watcher sees it too.
    const move = {
      component: names[0]!,
      alias: 'dev',
      from: null,
      to: { version: '1.0.0', digest: 'sha256:x' },
      time: '',
    };
    live.announce(0, move);
    assert.equal(events.filter((e) => e.type === 'move').length, 1);
    live.close();
  });
});
