/**
 * `GET /api/board/rows` answers as it reads: the first row reaches the client while the next
 * component is still being read (its tag list held back), so a large board shows its first rows at
 * once. Over a memory store, through the real server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoardStreamLine } from '../../src/board/api.js';
import { BoardReader } from '../../src/board/data.js';
import { startBoardServer } from '../../src/board/server.js';
import { MemoryStore } from '../../src/oci/content/memory.js';
import type { Store, StoreProvider } from '../../src/oci/content/storage.js';
import { OcmRepository } from '../../src/repository/index.js';
import { descriptor } from '../support/descriptors.js';
import { buildAssets } from './support.js';

describe('board row stream', () => {
  it('sends the first row before the next component is read', { timeout: 60_000 }, async () => {
    const memory = new MemoryStore();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const provider: StoreProvider = {
      repository: (name) => {
        const store = memory.repository(name);
        if (!name.endsWith('/second')) return store;
        return new Proxy(store, {
          get(target, key, receiver) {
            if (key === 'tags')
              return (...args: Parameters<Store['tags']>) =>
                (async function* () {
                  await held;
                  yield* target.tags(...args);
                })();
            const value = Reflect.get(target, key, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as Store;
      },
      repositories: () => memory.repositories(),
    };
    const repository = new OcmRepository(provider);
    for (const name of ['example.com/rows/first', 'example.com/rows/second']) {
      await repository.addComponentVersion(descriptor('1.0.0', { name }));
      await repository.addComponentVersionAlias(name, '1.0.0', 'dev');
    }
    const reader = new BoardReader({ sources: [{ label: 'memory', repository }], concurrency: 1 });
    const server = await startBoardServer({ reader, assetsDir: await buildAssets() });
    try {
      const res = await fetch(`${server.url}api/board/rows`, { signal: AbortSignal.timeout(20_000) });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
      const lines: BoardStreamLine[] = [];
      let buffered = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) {
        buffered += decoder.decode(chunk, { stream: true });
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = JSON.parse(buffered.slice(0, nl)) as BoardStreamLine;
          buffered = buffered.slice(nl + 1);
          lines.push(line);
          // The first row is here while the second component's tags are held back: let them go.
          if (line.type === 'row' && line.row.name.endsWith('/first')) release();
        }
      }
      assert.deepEqual(
        lines.map((l) => (l.type === 'row' ? `row ${l.row.name}` : l.type)),
        ['start', 'row example.com/rows/first', 'row example.com/rows/second', 'end'],
      );
    } finally {
      release();
      await server.close();
    }
  });
});
