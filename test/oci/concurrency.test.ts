/** The one bounded-concurrency map (`src/oci/concurrency.ts`), used by the repository, transfer, the registry store and the CLI. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapLimit } from '../../src/oci/concurrency.js';

/** Resolves after `n` turns of the microtask queue: lets other calls start without a clock. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight, runs every item once, keeps the input order', async () => {
    let inFlight = 0;
    let most = 0;
    const calls: number[] = [];
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      calls.push(i);
      inFlight++;
      most = Math.max(most, inFlight);
      await turns(n * 3);
      inFlight--;
      return n * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30, 0, 60]);
    assert.equal(most, 3);
    assert.deepEqual([...calls].sort(), [0, 1, 2, 3, 4, 5, 6]);
  });

  it('a limit below 1 still runs one at a time; an empty list gives an empty result', async () => {
    let inFlight = 0;
    let most = 0;
    await mapLimit([1, 2, 3], 0, async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await turns(2);
      inFlight--;
    });
    assert.equal(most, 1);
    assert.deepEqual(await mapLimit([], 4, async () => 1), []);
  });

  it('the first rejection rejects the whole', async () => {
    await assert.rejects(
      mapLimit([1, 2, 3, 4], 2, async (n) => {
        await turns(n);
        if (n === 2) throw new Error('two failed');
        return n;
      }),
      /two failed/,
    );
  });
});
