/**
 * What a recursive transfer costs on the wire, counted with the transport hook against the real
 * registry: four requests per version, at most the sum of its versions' single transfers, no
 * manifest or blob fetched twice; and with a warm content cache, one request per version.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import type { RequestEvent } from '../../src/registry/index.js';
import { transferComponentVersion, transferComponentVersionRecursive } from '../../src/repository/index.js';
import { addPart, PRODUCT, svc } from '../support/products.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

describe('recursive transfer requests', () => {
  let reg: TestRegistry;
  let ws: { path: string; remove: () => Promise<void> };
  const source = () => `${reg.host}/counted`;
  const order = [svc('b'), svc('a'), svc('c'), PRODUCT];
  before(async () => {
    reg = await startRegistry('anonymous');
    ws = await tempDir();
    const main = await openRepository(join(ws.path, 'main'), { create: true });
    const to = await openRepository(source());
    try {
      await addPart(main.repository, { name: svc('b') });
      await addPart(main.repository, { name: svc('a'), refs: { 'svc-b': `${svc('b')}:1.0.0` } });
      await addPart(main.repository, { name: svc('c') });
      await addPart(main.repository, {
        name: PRODUCT,
        refs: { 'svc-a': `${svc('a')}:1.0.0`, 'svc-b': `${svc('b')}:1.0.0`, 'svc-c': `${svc('c')}:1.0.0` },
      });
      await transferComponentVersionRecursive(main.repository, to.repository, PRODUCT, '1.0.0');
    } finally {
      await main.close();
      await to.close();
    }
  });
  after(async () => {
    await reg?.close();
    await ws?.remove();
  });

  /** The requests `fn` sends to the source; `cache` names the content cache's directory, if any. */
  async function counted<T>(
    name: string,
    cache: string | undefined,
    fn: (
      from: Awaited<ReturnType<typeof openRepository>>,
      to: Awaited<ReturnType<typeof openRepository>>,
    ) => Promise<T>,
  ): Promise<RequestEvent[]> {
    const events: RequestEvent[] = [];
    const from = await openRepository(source(), {
      onRequest: (e) => events.push(e),
      ...(cache ? { cache: { dir: join(ws.path, cache) } } : {}),
    });
    const to = await openRepository(join(ws.path, name), { create: true });
    try {
      await fn(from, to);
    } finally {
      await from.close();
      await to.close();
    }
    return events;
  }

  const line = (es: RequestEvent[]) => es.map((e) => `${e.method} ${new URL(e.url).pathname}`);

  for (const cache of [false, true]) {
    it(`${cache ? 'with a cold' : 'without the'} content cache: recursive = 4 requests per version, at most the sum of single transfers, nothing fetched twice`, async () => {
      const single: RequestEvent[] = [];
      for (const name of order) {
        const id = `single-${cache}-${name.replace(/\W/g, '_')}`;
        single.push(
          ...(await counted(id, cache ? `cache-${id}` : undefined, (from, to) =>
            transferComponentVersion(from.repository, to.repository, name, '1.0.0'),
          )),
        );
      }
      const recursive = await counted(
        `recursive-${cache}`,
        cache ? `cache-recursive-${cache}` : undefined,
        (from, to) => transferComponentVersionRecursive(from.repository, to.repository, PRODUCT, '1.0.0'),
      );
      console.log(
        `cache ${cache}: single transfers ${single.length} requests, recursive ${recursive.length}`,
      );
      const gets = line(recursive).filter((l) => l.startsWith('GET '));
      assert.deepEqual(
        gets.filter((g, i) => gets.indexOf(g) !== i),
        [],
        'a manifest or blob was fetched twice',
      );
      assert.ok(recursive.length <= single.length, `recursive ${recursive.length} > single ${single.length}`);
      // Per version: the manifest by tag and the descriptor (read once, for the walk and the copy),
      // then the config and the one local blob.
      assert.equal(recursive.length, 4 * order.length);
    });
  }

  it('with a warm content cache: a second recursive transfer asks only where each tag points, one HEAD per version', async () => {
    const transfer = (target: string) =>
      counted(target, 'cache-warm', (from, to) =>
        transferComponentVersionRecursive(from.repository, to.repository, PRODUCT, '1.0.0'),
      );
    const cold = await transfer('warm-first');
    const warm = await transfer('warm-second');
    console.log(`warm cache: first transfer ${cold.length} requests, second ${warm.length}`);
    assert.equal(cold.length, 4 * order.length);
    assert.deepEqual(
      line(warm).sort(),
      order.map((name) => `HEAD /v2/counted/component-descriptors/${name}/manifests/1.0.0`).sort(),
    );
  });
});
