/**
 * Child of test/cache/disk.test.ts: writes the same deterministic entries into a cache directory,
 * over and over, reading each back, and prints `{"bad":N,"corrupt":N,"puts":[[start,end],...]}`:
 * how many reads did not verify, and when each write ran (monotonic clock, ns, shared by the
 * processes of one machine). It prints `ready` once set up and starts when a line comes on stdin,
 * so that two children start together.
 * Usage: node --import tsx test/cache/fill-child.ts DIR ENTRIES ROUNDS
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { ContentCache } from '../../src/cache/index.js';

const [dir, entriesText, roundsText] = process.argv.slice(2);
const cache = new ContentCache({ dir: dir!, maxBytes: 1024 * 1024 * 1024 });
const entries = Array.from({ length: Number(entriesText) }, (_, i) => {
  // 256 KiB each: big enough that a non-atomic write would be seen half done.
  const bytes = Buffer.alloc(256 * 1024, i % 251);
  bytes.write(`entry ${i}`);
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
});
let bad = 0;
const puts: [string, string][] = [];
console.log('ready');
await once(process.stdin, 'data');
for (let round = 0; round < Number(roundsText); round++) {
  for (const e of entries) {
    const start = process.hrtime.bigint();
    await cache.put(e.digest, e.bytes);
    puts.push([String(start), String(process.hrtime.bigint())]);
    const back = await cache.get(e.digest);
    if (!back || !Buffer.from(back).equals(e.bytes)) bad++;
  }
}
console.log(JSON.stringify({ bad, corrupt: cache.events.corrupt, puts }));
process.stdin.destroy();
