/**
 * Property-based fuzzing of the tar readers: `extractArchive` (CTF .tar/.tgz), `decodeDescriptorLayer`
 * (descriptor layer tars) and `pushOciLayout` (OCI layout tars). Generated hostile tars: names with
 * `..`, absolute paths, backslashes and NUL; symlinks, hard links, devices, FIFOs; declared sizes far
 * beyond the data (octal and base-256); bad checksums; truncation; corrupt gzip. Only typed errors,
 * and extraction writes nothing outside its target: the surrounding temporary directory holds the
 * same entries before and after, and the target holds only the index and `blobs/<alg>.<hex>` files.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { extractArchive } from '../../src/ctf/archive.js';
import { CtfStore } from '../../src/ctf/store.js';
import { OcmError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { decodeDescriptorLayer, OcmMediaType } from '../../src/repository/mapping.js';
import { pushOciLayout } from '../../src/repository/oci-layout.js';
import { tempDir } from '../support/tmp.js';
import { params, typedOnlyAsync } from './fuzz.js';

interface RawEntry {
  name: string;
  /** tar typeflag: '0' file, '1' hard link, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo, '7' contiguous, 'x' pax, 'L' GNU long name */
  type: string;
  linkname: string;
  data: Uint8Array;
  /** Declared size: the data's own length, or a lie. */
  size: 'true' | 'huge' | 'base256' | 'negative' | 'garbage' | 'short';
  checksum: 'good' | 'bad';
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(e: RawEntry): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name.slice(0, 100), 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  const n = e.data.byteLength;
  if (e.size === 'true') h.write(octal(n, 12), 124, 'latin1');
  else if (e.size === 'short') h.write(octal(Math.max(0, n - 3), 12), 124, 'latin1');
  else if (e.size === 'huge') h.write('77777777777\0', 124, 'latin1');
  else if (e.size === 'garbage') h.write('zz9\0', 124, 'latin1');
  else {
    // GNU base-256: high bit set, big-endian; 'negative' sets the sign bit too.
    h[124] = e.size === 'negative' ? 0xff : 0x80;
    for (let i = 125; i < 136; i++) h[i] = e.size === 'negative' ? 0xff : 0;
    if (e.size === 'base256') h.writeUInt32BE(0x7fffffff, 132);
  }
  h.write(octal(1640995200, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(e.type.slice(0, 1), 156, 'latin1');
  h.write(e.linkname.slice(0, 100), 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  if (e.checksum === 'bad') sum += 1;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function tarOf(entries: readonly RawEntry[], ending: 'zeros' | 'none' | 'truncate', cut: number): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e));
    const padded = Buffer.alloc(Math.ceil(e.data.byteLength / 512) * 512);
    Buffer.from(e.data).copy(padded);
    parts.push(padded);
  }
  if (ending !== 'none') parts.push(Buffer.alloc(1024));
  const all = Buffer.concat(parts);
  return ending === 'truncate' ? all.subarray(0, cut % (all.byteLength + 1)) : all;
}

/** One PAX extended header record: `<length> <key>=<value>\n`, the length counting itself. */
function pax(record: string): Buffer {
  let n = record.length + 3;
  while (`${n} ${record}\n`.length !== n) n = `${n} ${record}\n`.length;
  return Buffer.from(`${n} ${record}\n`);
}

const indexJson = Buffer.from('{"schemaVersion":1,"artifacts":[]}');
const payload = Buffer.from('payload');
const payloadName = `blobs/${digestOf(payload).replace(':', '.')}`;

/** Names that try to leave the root, collide, or look almost valid. */
const entryName = fc.constantFrom(
  'artifact-index.json',
  './artifact-index.json',
  payloadName,
  `./${payloadName}`,
  `blobs//${payloadName.slice(6)}`,
  `blobs/sha256.${'0'.repeat(64)}`,
  'blobs/sha256.zz',
  'blobs/',
  'blobs',
  '../escape',
  '../../escape',
  'blobs/../../escape',
  `blobs/../${payloadName}`,
  '/tmp/escape-abs',
  '/escape',
  '..',
  '.',
  '',
  'blobs\\..\\..\\escape',
  'a\0b',
  'oci-layout',
  'index.json',
  'component-descriptor.yaml',
  `blobs/sha256/${digestOf(payload).slice(7)}`,
  'x/'.repeat(60),
);
const rawEntry: fc.Arbitrary<RawEntry> = fc.record({
  name: entryName,
  type: fc.constantFrom('0', '0', '0', '\0', '1', '2', '3', '4', '5', '6', '7', 'x', 'L', 'g', 'Z'),
  linkname: fc.constantFrom('', '../escape', '/etc/passwd', 'artifact-index.json', '..'),
  data: fc.oneof(
    fc.constant(indexJson),
    fc.constant(payload),
    fc.constant(Buffer.from('meta:\n  schemaVersion: v2\ncomponent: {name: a.b/c, version: 1.0.0}\n')),
    fc.constant(Buffer.from('{"imageLayoutVersion":"1.0.0"}')),
    fc.constant(Buffer.from('path=../../escape\n')),
    fc.constantFrom(
      ...['path=../../escape-pax', 'path=/escape', 'size=99999999999999', 'linkpath=/etc'].map(pax),
    ),
    fc.uint8Array({ maxLength: 700 }),
  ),
  size: fc.constantFrom('true', 'true', 'true', 'huge', 'base256', 'negative', 'garbage', 'short'),
  checksum: fc.constantFrom('good', 'good', 'good', 'good', 'bad'),
});
const hostileTar = fc
  .tuple(
    fc.array(rawEntry, { minLength: 1, maxLength: 5 }),
    fc.constantFrom('zeros', 'zeros', 'none', 'truncate'),
    fc.nat(),
    fc.constantFrom('plain', 'plain', 'gzip', 'gzip-truncated', 'gzip-corrupt'),
  )
  .map(([entries, ending, cut, wrap]) => {
    const tar = tarOf(entries, ending as 'zeros', cut);
    if (wrap === 'plain') return { bytes: tar, gzip: false };
    const gz = gzipSync(tar);
    if (wrap === 'gzip-truncated')
      return { bytes: gz.subarray(0, Math.max(2, cut % gz.byteLength)), gzip: true };
    if (wrap === 'gzip-corrupt') {
      const copy = Buffer.from(gz);
      const at = 10 + (cut % Math.max(1, copy.byteLength - 18));
      copy[at] = (copy[at] ?? 0) ^ 0x5a;
      return { bytes: copy, gzip: true };
    }
    return { bytes: gz, gzip: true };
  });

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('fuzz: tar readers', () => {
  let base: { path: string; remove: () => Promise<void> };
  before(async () => {
    base = await tempDir('ocm-reliability-tar-');
  });
  after(async () => {
    await base?.remove();
  });

  it('extractArchive: typed errors only, nothing written outside the target, only index and blobs inside', async () => {
    const sandbox = join(base.path, 'sandbox'); // the "parent" whose content must not change
    await mkdir(sandbox);
    let run = 0;
    let extracted = 0;
    await fc.assert(
      fc.asyncProperty(hostileTar, async ({ bytes, gzip }) => {
        run++;
        const work = join(sandbox, 'work');
        await mkdir(work);
        try {
          const file = join(work, gzip ? 'evil.tgz' : 'evil.tar');
          await writeFile(file, bytes);
          const before = await listing(sandbox);
          const target = join(work, 'out');
          const ok = await typedOnlyAsync(
            () => extractArchive(file, gzip ? 'tgz' : 'tar', target).then(() => true),
            [OcmError],
            `extractArchive run ${run}`,
          );
          if (ok) extracted++;
          const afterList = (await listing(sandbox)).filter((p) => !p.startsWith('work/out'));
          assert.deepEqual(afterList, before, 'nothing appeared outside the target');
          for (const p of await listing(target)) {
            assert.ok(
              p === 'artifact-index.json' || p === 'blobs' || /^blobs\/sha(256|384|512)\.[0-9a-f]+$/.test(p),
              `unexpected ${p} in the target`,
            );
            const info = await lstat(join(target, p));
            assert.ok(info.isFile() || (p === 'blobs' && info.isDirectory()), `${p} is a regular file`);
          }
        } finally {
          await rm(work, { recursive: true, force: true });
        }
        // Absolute names must not have landed where they point either.
        await assert.rejects(lstat('/tmp/escape-abs'), { code: 'ENOENT' });
        await assert.rejects(lstat('/escape'), { code: 'ENOENT' });
      }),
      params(600),
    );
    assert.ok(extracted > 0, 'some generated archives were valid, so the positive path ran too');
  });

  it('decodeDescriptorLayer: typed errors only for every descriptor media type', async () => {
    const types = [
      OcmMediaType.DescriptorYamlTar,
      OcmMediaType.DescriptorJson,
      OcmMediaType.DescriptorYaml,
      'application/vnd.gardener.cloud.cnudie.component-descriptor.v2+yaml+tar',
      'application/octet-stream',
    ];
    await fc.assert(
      fc.asyncProperty(hostileTar, fc.constantFrom(...types), async ({ bytes }, mediaType) => {
        const layer = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
        await typedOnlyAsync(() => decodeDescriptorLayer(layer, bytes), [OcmError], 'decodeDescriptorLayer');
      }),
      params(800),
    );
  });

  it('pushOciLayout: typed errors only, into a real CTF', async () => {
    const store = await CtfStore.open(join(base.path, 'layout-ctf'), { create: true });
    try {
      const repo = store.repository('fuzz/layout');
      await fc.assert(
        fc.asyncProperty(hostileTar, async ({ bytes }) => {
          await typedOnlyAsync(() => pushOciLayout(repo, bytes), [OcmError], 'pushOciLayout');
        }),
        params(500),
      );
    } finally {
      await store.close();
    }
  });
});
