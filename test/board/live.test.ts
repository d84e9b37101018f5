import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoardReader } from '../../src/board/data.js';
import { LiveBoard, type LiveEvent } from '../../src/board/live.js';
import { MemoryStore } from '../../src/oci/content/memory.js';
import type { Store, StoreProvider } from '../../src/oci/content/storage.js';
import { OcmRepository } from '../../src/repository/index.js';
import { descriptor } from '../support/descriptors.js';
import { StepClock } from './support.js';

describe('live board', () => {
  it('runs at most 8 looks at once, however many aliases it watches; tells a move once', {
    timeout: 60_000,
  }, async () => {
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
    const clock = new StepClock();
    const live = new LiveBoard(new BoardReader({ sources: [{ label: 'memory', repository }] }), { clock });
    const events: LiveEvent[] = [];
    live.subscribe((e) => events.push(e));
    for (const name of names)
      for (const a of ['dev', 'qa', 'test', 'staging', 'prod']) live.watch(0, name, a);
    assert.equal(live.size, 30);
    while (looks < 30) await new Promise((r) => setImmediate(r));
    while (inFlight > 0) await new Promise((r) => setImmediate(r));
    assert.ok(most <= 8 && most > 1, `at most 8 looks at once, saw ${most}`);
    // A move announced by the board is told once, even when its watcher sees it too: dev really
    // moves, the board announces it, then every watcher looks again (one interval passes).
    await clock.asleep(30);
    await repository.addComponentVersion(descriptor('1.1.0', { name: names[0]! }));
    const moved = await repository.addComponentVersionAlias(names[0]!, '1.1.0', 'dev');
    const to = { version: '1.1.0', digest: moved.digest };
    live.announce(0, { component: names[0]!, alias: 'dev', from: null, to, time: '' });
    const looksBefore = looks;
    await clock.asleep(31); // the 30 watchers and the discovery of new components and stages
    assert.equal(clock.step(), 31);
    // Every watcher has looked and sleeps again: the look that saw dev's move is behind us.
    await clock.asleep(31);
    assert.ok(looks >= looksBefore + 30, `every watcher looked again (${looks - looksBefore} looks)`);
    assert.deepEqual(
      events.filter((e) => e.type === 'move').map((e) => e.type === 'move' && e.to?.digest),
      [moved.digest],
    );
    live.close();
  });
});
