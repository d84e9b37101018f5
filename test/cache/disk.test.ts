/** The content cache on disk: verified reads, atomic writes under concurrency, LRU eviction. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ContentCache, InvalidCacheOptionError } from '../../src/cache/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ocm-cache-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const entry = (text: string, size = text.length) => {
  const bytes = Buffer.alloc(size, 0x20);
  bytes.write(text);
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
};

interface FillResult {
  bad: number;
  corrupt: number;
  puts: [string, string][];
}

/** Starts test/cache/fill-child.ts on `dir` (24 entries, 4 rounds); it writes once `go()` is called. */
function startFiller(dir: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'test/cache/fill-child.ts'), dir, '24', '4'],
    { cwd: root, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let announced: () => void;
  let ended: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    announced = resolve;
    ended = reject;
  });
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (stdout.startsWith('ready\n')) announced();
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stderr: string; result: FillResult }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      ended(new Error(`the filler ended (${code}) before it was ready: ${stderr}`));
      const last = stdout.trim().split('\n').at(-1) ?? '';
      resolve({ code, stderr, result: code === 0 ? JSON.parse(last) : { bad: -1, corrupt: -1, puts: [] } });
    });
  });
  return { ready, done, go: () => child.stdin.end('go\n') };
}

describe('content cache on disk', () => {
  it('stores by digest and reads back verified', async () => {
    const cache = new ContentCache({ dir: tempDir() });
    const e = entry('manifest bytes');
    assert.equal(await cache.get(e.digest), undefined);
    await cache.put(e.digest, e.bytes);
    assert.deepEqual(Buffer.from((await cache.get(e.digest))!), e.bytes);
    assert.equal(cache.events.hits, 1);
    assert.equal(cache.events.misses, 1);
  });

  it('detects a corrupt file, drops it, and takes the content again', async () => {
    const cache = new ContentCache({ dir: tempDir() });
    const e = entry('descriptor layer');
    await cache.put(e.digest, e.bytes);
    const path = cache.pathOf(e.digest);
    writeFileSync(path, 'tampered');
    assert.equal(await cache.get(e.digest), undefined, 'a file that does not match its name is not served');
    assert.equal(cache.events.corrupt, 1);
    assert.throws(() => readFileSync(path), /ENOENT/, 'the corrupt file is removed');
    await cache.put(e.digest, e.bytes);
    assert.deepEqual(readFileSync(path), e.bytes, 'refilled with the right bytes');
  });

  it('keeps tag hints apart per key and ignores broken ones', async () => {
    const cache = new ContentCache({ dir: tempDir() });
    const e = entry('x');
    await cache.putRef('reg/a:prod', { digest: e.digest, mediaType: 'm', size: 1 });
    assert.equal((await cache.getRef('reg/a:prod'))?.digest, e.digest);
    assert.equal(await cache.getRef('reg/b:prod'), undefined);
    const refs = join(cache.dir, 'v1', 'refs');
    for (const f of readdirSync(refs)) writeFileSync(join(refs, f), '{not json');
    assert.equal(await cache.getRef('reg/a:prod'), undefined);
  });

  it('evicts the least recently used entries when full', async () => {
    let clock = 1_000_000_000;
    const now = () => clock;
    const cache = new ContentCache({ dir: tempDir(), maxBytes: 399, now });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((t) => entry(t, 100));
    for (const e of [a!, b!, c!]) {
      clock += 10_000;
      await cache.put(e.digest, e.bytes);
    }
    clock += 10_000;
    assert.ok(await cache.get(a!.digest), 'reading a makes it the most recently used');
    clock += 10_000;
    await cache.put(d!.digest, d!.bytes); // 400 bytes > 399: evict down to 80 % (319)
    assert.equal(await cache.has(b!.digest), false, 'b was used least recently');
    for (const e of [a!, c!, d!]) assert.equal(await cache.has(e.digest), true);
    assert.equal(cache.events.evicted, 1);
    const info = await cache.info();
    assert.equal(info.entries, 3);
    assert.equal(info.bytes, 300);
  });

  it('prune empties the cache, or keeps the most recently used up to a size', async () => {
    let clock = 1_000_000_000;
    const cache = new ContentCache({ dir: tempDir(), now: () => (clock += 1000) });
    const list = ['1', '2', '3'].map((t) => entry(t, 50));
    for (const e of list) await cache.put(e.digest, e.bytes);
    assert.deepEqual(await cache.prune(100), { files: 1, bytes: 50 });
    assert.equal(await cache.has(list[0]!.digest), false);
    assert.deepEqual(await cache.prune(), { files: 2, bytes: 100 });
    assert.equal((await cache.info()).entries, 0);
  });

  it('refuses a size that is not a whole number of bytes, typed', () => {
    assert.throws(() => new ContentCache({ dir: '/x', maxBytes: 1.5 }), InvalidCacheOptionError);
    assert.throws(() => new ContentCache({ dir: '/x', maxBlobSize: -1 }), InvalidCacheOptionError);
  });

  it('two processes filling the same cache at once never see a torn file', async () => {
    const dir = tempDir();
    const children = [1, 2].map(() => startFiller(dir));
    // The start barrier: both are set up before either writes.
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const runs = await Promise.all(children.map((c) => c.done));
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual({ bad: r.result.bad, corrupt: r.result.corrupt }, { bad: 0, corrupt: 0 });
    }
    // They overlapped: some write of one ran while the other was writing.
    const [a, b] = runs.map((r) => r.result.puts.map(([s, e]) => [BigInt(s), BigInt(e)] as const));
    const overlapping = a!.filter(([s1, e1]) => b!.some(([s2, e2]) => s1 < e2 && s2 < e1)).length;
    console.log(`${overlapping} of ${a!.length} writes of one process overlapped a write of the other`);
    assert.ok(overlapping > 0, 'no write of one process ran while the other wrote');
    const cache = new ContentCache({ dir });
    const info = await cache.info();
    assert.equal(info.entries, 24, 'each digest is one file');
    assert.deepEqual(readdirSync(join(dir, 'v1', 'tmp')), [], 'no temporary file left behind');
    for (const f of readdirSync(join(dir, 'v1', 'content', 'sha256'))) {
      const bytes = readFileSync(join(dir, 'v1', 'content', 'sha256', f));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), f, 'every file matches its name');
    }
  });
});
