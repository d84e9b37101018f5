/**
 * Hostile archives: each is refused with a typed error, and nothing is written outside the
 * extraction root (the test folder is checked to hold exactly what it held before).
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { InvalidArchiveError } from '../../src/ctf/errors.js';
import { CtfStore } from '../../src/ctf/store.js';
import { digestOf } from '../../src/oci/digest.js';
import { TooLargeError } from '../../src/oci/errors.js';
import { tempDir } from '../support/tmp.js';

interface Entry {
  name: string;
  type?: 'file' | 'symlink' | 'link' | 'character-device' | 'fifo' | 'directory';
  content?: Uint8Array | string;
  linkname?: string;
}

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const collected = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const e of entries) {
    const content = typeof e.content === 'string' ? Buffer.from(e.content) : Buffer.from(e.content ?? []);
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        {
          name: e.name,
          type: e.type ?? 'file',
          ...(e.linkname === undefined ? {} : { linkname: e.linkname }),
          size: e.type && e.type !== 'file' ? 0 : content.length,
        },
        e.type && e.type !== 'file' ? Buffer.alloc(0) : content,
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  pack.finalize();
  return collected;
}

const index = '{"schemaVersion":1,"artifacts":[]}';
const blob = Buffer.from('payload');
const blobName = `blobs/${digestOf(blob).replace(':', '.')}`;

async function expectRefused(
  entries: Entry[],
  error: new (...args: never[]) => Error,
  pattern: RegExp,
  gzip = false,
) {
  const dir = await tempDir();
  // A private temp folder for the working copy, so that other test files' copies do not count.
  const privateTmp = join(dir.path, 'tmp');
  await mkdir(privateTmp);
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
  try {
    assert.equal(tmpdir(), privateTmp);
    const file = join(dir.path, gzip ? 'evil.tgz' : 'evil.tar');
    const bytes = await tarOf(entries);
    await writeFile(file, gzip ? gzipSync(bytes) : bytes);
    const before = await readdir(dir.path, { recursive: true });
    const store = await CtfStore.open(file);
    try {
      await assert.rejects(
        async () => {
          for await (const _ of store.repositories()) void _;
        },
        (err: Error) => err instanceof error && pattern.test(err.message),
      );
    } finally {
      await store.close();
    }
    assert.deepEqual(
      await readdir(dir.path, { recursive: true }),
      before,
      'nothing written beside the archive',
    );
    assert.deepEqual(await readFile(file), gzip ? gzipSync(bytes) : bytes, 'archive untouched');
    assert.deepEqual(
      await readdir(privateTmp),
      [],
      'no working copy or escaped file left in the temp folder',
    );
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    await dir.remove();
  }
}

describe('hostile CTF archives', () => {
  it('refuses absolute paths', () =>
    expectRefused(
      [
        { name: 'artifact-index.json', content: index },
        { name: '/tmp/escape', content: 'x' },
      ],
      InvalidArchiveError,
      /absolute/,
    ));

  it('refuses .. in entry names', () =>
    expectRefused(
      [
        { name: 'artifact-index.json', content: index },
        { name: 'blobs/../../escape', content: 'x' },
      ],
      InvalidArchiveError,
      /climbs/,
    ));

  it('refuses symbolic links', () =>
    expectRefused(
      [
        { name: 'artifact-index.json', content: index },
        { name: blobName, type: 'symlink', linkname: '/etc/passwd' },
      ],
      InvalidArchiveError,
      /symlink/,
    ));

  it('refuses hard links', () =>
    expectRefused(
      [
        { name: 'artifact-index.json', content: index },
        { name: blobName, type: 'link', linkname: 'artifact-index.json' },
      ],
      InvalidArchiveError,
      /link/,
    ));

  it('refuses devices and fifos', async () => {
    await expectRefused(
      [
        { name: 'artifact-index.json', content: index },
        { name: 'blobs/dev', type: 'character-device' },
      ],
      InvalidArchiveError,
      /character-device/,
    );
    await expectRefused(
      [
        { name: 'artifact-index.json', content: index },
        { name: 'blobs/fifo', type: 'fifo' },
      ],
      InvalidArchiveError,
      /fifo/,
    );
  });

  it('refuses blob files not named <algorithm>.<hex>', () =>
    expectRefused(
      [
        { name: 'artifact-index.json', content: index },
        { name: 'blobs/sha256.xyz', content: 'x' },
      ],
      InvalidArchiveError,
      /not named/,
    ));

  it('refuses blob files whose content does not match their name', () =>
    expectRefused(
      [
        { name: 'artifact-index.json', content: index },
        { name: blobName, content: 'tampered' },
      ],
      InvalidArchiveError,
      /does not match/,
      true,
    ));

  it('refuses duplicate entries', () =>
    expectRefused(
      [
        { name: 'artifact-index.json', content: index },
        { name: blobName, content: blob },
        { name: `./${blobName}`, content: blob },
      ],
      InvalidArchiveError,
      /twice/,
    ));

  it('refuses an index over 64 MiB', () =>
    expectRefused(
      [{ name: 'artifact-index.json', content: new Uint8Array(64 * 1024 * 1024 + 1) }],
      TooLargeError,
      /64|limit/,
      true,
    ));

  it('refuses a .tgz that is not gzip and a .tar that is', async () => {
    const dir = await tempDir();
    try {
      const bytes = await tarOf([{ name: 'artifact-index.json', content: index }]);
      await writeFile(join(dir.path, 'plain.tgz'), bytes);
      await writeFile(join(dir.path, 'zipped.tar'), gzipSync(bytes));
      await writeFile(join(dir.path, 'junk.tar'), Buffer.alloc(1024, 7));
      await assert.rejects(CtfStore.open(join(dir.path, 'plain.tgz')), /not gzip/);
      await assert.rejects(CtfStore.open(join(dir.path, 'zipped.tar')), /use .tgz/);
      await assert.rejects(CtfStore.open(join(dir.path, 'junk.tar')), InvalidArchiveError);
      await assert.rejects(
        CtfStore.open(join(dir.path, 'junk.tar'), { format: 'directory' }),
        /not a directory/,
      );
    } finally {
      await dir.remove();
    }
  });

  it('refuses a truncated archive', async () => {
    const dir = await tempDir();
    try {
      const bytes = gzipSync(
        await tarOf([
          { name: 'artifact-index.json', content: index },
          { name: blobName, content: blob },
        ]),
      );
      const file = join(dir.path, 'cut.tgz');
      await writeFile(file, bytes.subarray(0, bytes.length - 12));
      const store = await CtfStore.open(file);
      try {
        await assert.rejects(async () => {
          for await (const _ of store.repositories()) void _;
        }, InvalidArchiveError);
      } finally {
        await store.close();
      }
    } finally {
      await dir.remove();
    }
  });

  it('skips unknown files and reads the rest', async () => {
    const dir = await tempDir();
    try {
      const file = join(dir.path, 'extra.tar');
      await writeFile(
        file,
        await tarOf([
          { name: 'artifact-index.json', content: index },
          { name: 'README', content: 'hi' },
          { name: 'blobs', type: 'directory' },
          { name: blobName, content: blob },
        ]),
      );
      const store = await CtfStore.open(file);
      try {
        const repo = store.repository('x');
        assert.equal(
          await repo.exists({
            mediaType: 'application/octet-stream',
            digest: digestOf(blob),
            size: blob.length,
          }),
          true,
        );
      } finally {
        await store.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
