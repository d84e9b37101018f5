import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LockTimeoutError } from '../../src/ctf/errors.js';
import { acquireLock, withLock } from '../../src/ctf/lock.js';
import { tempDir } from '../support/tmp.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A pid that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('CTF write lock', () => {
  it('serialises holders in one process and leaves no file behind', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf.lock');
      const order: string[] = [];
      await Promise.all(
        ['a', 'b', 'c'].map((name) =>
          withLock(path, {}, async () => {
            order.push(`${name}+`);
            await new Promise((r) => setTimeout(r, 10));
            order.push(`${name}-`);
          }),
        ),
      );
      assert.deepEqual(order, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
      assert.equal(await exists(path), false);
    } finally {
      await dir.remove();
    }
  });

  it('breaks a lock left by a dead process', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf.lock');
      await writeFile(path, JSON.stringify({ host: hostname(), pid: await deadPid(), nonce: 'stale' }));
      const lock = await acquireLock(path, { timeoutMs: 2000 });
      assert.notEqual(JSON.parse(await readFile(path, 'utf8')).nonce, 'stale');
      await lock.release();
      assert.equal(await exists(path), false);
    } finally {
      await dir.remove();
    }
  });

  it('breaks a lock whose pid was reused by a process started at another time', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf.lock');
      await writeFile(
        path,
        JSON.stringify({ host: hostname(), pid: process.pid, start: 1, nonce: 'reused' }),
      );
      const lock = await acquireLock(path, { timeoutMs: 2000 });
      await lock.release();
    } finally {
      await dir.remove();
    }
  });

  it('waits for a live holder and times out with a typed error naming it', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf.lock');
      await writeFile(path, JSON.stringify({ host: hostname(), pid: process.ppid, nonce: 'live' }));
      const started = Date.now();
      await assert.rejects(acquireLock(path, { timeoutMs: 300 }), (err: Error) => {
        assert.ok(err instanceof LockTimeoutError);
        assert.match(err.message, new RegExp(`pid ${process.ppid}`));
        return true;
      });
      assert.ok(Date.now() - started >= 300);
      assert.equal(JSON.parse(await readFile(path, 'utf8')).nonce, 'live', 'a live lock is never broken');
    } finally {
      await dir.remove();
    }
  });

  it('never breaks a lock held on another host', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf.lock');
      await writeFile(path, JSON.stringify({ host: 'elsewhere.example', pid: 1, nonce: 'remote' }));
      await assert.rejects(acquireLock(path, { timeoutMs: 200 }), LockTimeoutError);
      assert.equal(JSON.parse(await readFile(path, 'utf8')).nonce, 'remote');
    } finally {
      await dir.remove();
    }
  });

  it('stops waiting when aborted', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf.lock');
      await writeFile(path, JSON.stringify({ host: hostname(), pid: process.ppid, nonce: 'live' }));
      await assert.rejects(acquireLock(path, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
    } finally {
      await dir.remove();
    }
  });
});
