/** Inputs File/v1, Dir/v1, UTF8/v1: bytes, media types, compression, the deterministic tar. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, readlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { parse as parseYaml } from 'yaml';
import { inputTypeOf } from '../../src/constructor/index.js';
import { digestOf } from '../../src/oci/digest.js';
import { build, constructorText, workspace, writeTree } from './helpers.js';

interface TarEntry {
  name: string;
  type: string;
  mode: number;
  mtime: number;
  uid: number;
  gid: number;
  linkname: string | null;
  content: string;
}

async function untar(bytes: Uint8Array): Promise<TarEntry[]> {
  const extract = tar.extract();
  const entries: TarEntry[] = [];
  Readable.from([Buffer.from(bytes)]).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const h = entry.header;
    entries.push({
      name: h.name,
      type: h.type,
      mode: h.mode,
      mtime: h.mtime.getTime(),
      uid: h.uid,
      gid: h.gid,
      linkname: h.linkname ?? null,
      content: Buffer.concat(chunks).toString(),
    });
  }
  return entries;
}

describe('input type spellings', () => {
  it('accepts the Go spellings and refuses others', () => {
    for (const t of ['file', 'File', 'File/v1', 'file/v1']) assert.equal(inputTypeOf(t), 'File/v1');
    for (const t of ['dir', 'Dir', 'Dir/v1', 'dir/v1']) assert.equal(inputTypeOf(t), 'Dir/v1');
    for (const t of ['utf8', 'UTF8', 'UTF8/v1', 'utf8/v1']) assert.equal(inputTypeOf(t), 'UTF8/v1');
    for (const t of ['helm', 'File/v2', 'binary', '', 'file/', 42]) assert.equal(inputTypeOf(t), undefined);
  });
});

describe('File/v1', () => {
  it('stores the bytes, default media type, genericBlobDigest/v1; relation local, version from the component', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, { 'config/app.yaml': 'replicas: 3\n' });
      const [r] = await build(
        ws,
        constructorText([
          { name: 'config', type: 'blob', input: { type: 'File/v1', path: 'config/app.yaml' } },
        ]),
      );
      assert.equal(r!.bytes.toString(), 'replicas: 3\n');
      assert.equal(r!.mediaType, 'application/octet-stream');
      assert.equal(r!.resource.access.mediaType, 'application/octet-stream');
      assert.equal(r!.resource.access.localReference, digestOf('replicas: 3\n'));
      assert.deepEqual(r!.resource.digest, {
        hashAlgorithm: 'SHA-256',
        normalisationAlgorithm: 'genericBlobDigest/v1',
        value: digestOf('replicas: 3\n').slice('sha256:'.length),
      });
      assert.equal(r!.resource.relation, 'local');
      assert.equal(r!.resource.version, '1.0.0');
    }));

  it('mediaType is kept; compress gzips and appends +gzip', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, { 'values.json': '{"a":1}' });
      const [plain, packed] = await build(
        ws,
        constructorText([
          {
            name: 'plain',
            type: 'blob',
            input: { type: 'file', path: './values.json', mediaType: 'application/json' },
          },
          {
            name: 'packed',
            type: 'blob',
            input: { type: 'file', path: 'values.json', mediaType: 'application/json', compress: true },
          },
        ]),
      );
      assert.equal(plain!.mediaType, 'application/json');
      assert.equal(packed!.mediaType, 'application/json+gzip');
      assert.equal(packed!.resource.access.mediaType, 'application/json+gzip');
      assert.equal(gunzipSync(packed!.bytes).toString(), '{"a":1}');
      assert.notEqual(packed!.resource.digest?.value, plain!.resource.digest?.value);
    }));
});

describe('UTF8/v1', () => {
  it('text, json, formattedJson and yaml, each with its media type and a canonical serialisation', () =>
    workspace(async (ws) => {
      const value = { z: [1, 'two'], a: { y: true, b: null } };
      const out = await build(
        ws,
        constructorText([
          { name: 'text', type: 'blob', input: { type: 'utf8', text: 'héllo\n' } },
          { name: 'json', type: 'blob', input: { type: 'UTF8/v1', json: value } },
          { name: 'formatted', type: 'blob', input: { type: 'UTF8', formattedJson: value } },
          { name: 'yaml', type: 'blob', input: { type: 'utf8', yaml: value } },
          {
            name: 'typed',
            type: 'blob',
            input: { type: 'utf8', text: 'x', mediaType: 'text/markdown', compress: true },
          },
        ]),
      );
      const [text, json, formatted, yaml, typed] = out;
      assert.equal(text!.bytes.toString('utf8'), 'héllo\n');
      assert.equal(text!.mediaType, 'text/plain');
      assert.equal(json!.bytes.toString(), '{"a":{"b":null,"y":true},"z":[1,"two"]}');
      assert.equal(json!.mediaType, 'application/json');
      assert.equal(
        formatted!.bytes.toString(),
        JSON.stringify({ a: { b: null, y: true }, z: [1, 'two'] }, null, 2),
      );
      assert.equal(formatted!.mediaType, 'application/json');
      assert.deepEqual(parseYaml(yaml!.bytes.toString()), value);
      assert.ok(yaml!.bytes.toString().startsWith('a:'), 'keys sorted');
      assert.equal(yaml!.mediaType, 'application/yaml');
      assert.equal(typed!.mediaType, 'text/markdown+gzip');
      assert.equal(gunzipSync(typed!.bytes).toString(), 'x');
    }));
});

describe('Dir/v1', () => {
  const tree = {
    'manifests/b.yaml': 'kind: B\n',
    'manifests/a.yaml': 'kind: A\n',
    'manifests/sub/c.yaml': 'kind: C\n',
    'manifests/run.sh': '#!/bin/sh\n',
    'manifests/empty': { dir: true },
  } as const;

  it('a deterministic tar: sorted depth-first, mtime 0, uid/gid 0, modes 0644/0755, directories included', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, tree);
      await chmod(join(ws.src, 'manifests/run.sh'), 0o700);
      const [r] = await build(
        ws,
        constructorText([{ name: 'manifests', type: 'dir', input: { type: 'dir', path: 'manifests' } }]),
      );
      assert.equal(r!.mediaType, 'application/x-tar');
      const entries = await untar(r!.bytes);
      assert.deepEqual(
        entries.map((e) => [e.name, e.type, e.mode.toString(8)]),
        [
          ['a.yaml', 'file', '644'],
          ['b.yaml', 'file', '644'],
          ['empty/', 'directory', '755'],
          ['run.sh', 'file', '755'],
          ['sub/', 'directory', '755'],
          ['sub/c.yaml', 'file', '644'],
        ],
      );
      assert.ok(entries.every((e) => e.mtime === 0 && e.uid === 0 && e.gid === 0));
      assert.equal(entries.find((e) => e.name === 'sub/c.yaml')?.content, 'kind: C\n');
    }));

  it('the same directory gives the same digest, whatever the creation order and mtimes', () =>
    workspace(async (ws) => {
      await writeTree(join(ws.src, 'one'), tree);
      const reversed = Object.fromEntries(Object.entries(tree).reverse());
      await writeTree(join(ws.src, 'two'), reversed);
      await utimes(join(ws.src, 'two/manifests/a.yaml'), new Date(1e12), new Date(1e12));
      const [a, b, again] = await build(
        ws,
        constructorText([
          { name: 'one', type: 'dir', input: { type: 'dir', path: 'one/manifests' } },
          { name: 'two', type: 'dir', input: { type: 'dir', path: 'two/manifests' } },
          { name: 'again', type: 'dir', input: { type: 'Dir/v1', path: 'one/manifests' } },
        ]),
      );
      assert.equal(a!.resource.digest?.value, b!.resource.digest?.value);
      assert.equal(a!.resource.digest?.value, again!.resource.digest?.value);
      assert.ok(a!.bytes.equals(b!.bytes));
    }));

  it('a changed byte changes the digest', () =>
    workspace(async (ws) => {
      await writeTree(join(ws.src, 'one'), { 'x.txt': 'a' });
      await writeTree(join(ws.src, 'two'), { 'x.txt': 'b' });
      const [a, b] = await build(
        ws,
        constructorText([
          { name: 'one', type: 'dir', input: { type: 'dir', path: 'one' } },
          { name: 'two', type: 'dir', input: { type: 'dir', path: 'two' } },
        ]),
      );
      assert.notEqual(a!.resource.digest?.value, b!.resource.digest?.value);
    }));

  it('compress gives application/x-tar+gzip of the same tar; preserveDir prefixes the base name', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, tree);
      const [plain, gz, kept] = await build(
        ws,
        constructorText([
          { name: 'plain', type: 'dir', input: { type: 'dir', path: 'manifests' } },
          { name: 'gz', type: 'dir', input: { type: 'dir', path: 'manifests', compress: true } },
          { name: 'kept', type: 'dir', input: { type: 'dir', path: 'manifests/', preserveDir: true } },
        ]),
      );
      assert.equal(gz!.mediaType, 'application/x-tar+gzip');
      assert.ok(gunzipSync(gz!.bytes).equals(plain!.bytes));
      const names = (await untar(kept!.bytes)).map((e) => e.name);
      assert.equal(names[0], 'manifests/');
      assert.ok(names.includes('manifests/sub/c.yaml'));
      assert.ok(names.every((n) => n.startsWith('manifests/')));
    }));

  it('excludeFiles and includeFiles filter by glob', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, tree);
      const [ex, inc] = await build(
        ws,
        constructorText([
          {
            name: 'ex',
            type: 'dir',
            input: { type: 'dir', path: 'manifests', excludeFiles: ['*.sh', 'sub'] },
          },
          {
            name: 'inc',
            type: 'dir',
            input: { type: 'dir', path: 'manifests', includeFiles: ['**/c.yaml', 'a.*'] },
          },
        ]),
      );
      assert.deepEqual(
        (await untar(ex!.bytes)).map((e) => e.name),
        ['a.yaml', 'b.yaml', 'empty/'],
      );
      assert.deepEqual(
        (await untar(inc!.bytes)).map((e) => e.name),
        ['a.yaml', 'sub/', 'sub/c.yaml'],
      );
    }));

  it('symbolic links inside the constructor directory: kept as links, or followed', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, {
        'common/common.yaml': 'common\n',
        'd/real.txt': 'real\n',
        'd/alias.txt': { link: 'real.txt' },
        'd/common.yaml': { link: '../common/common.yaml' },
      });
      const [links, followed] = await build(
        ws,
        constructorText([
          { name: 'links', type: 'dir', input: { type: 'dir', path: 'd' } },
          { name: 'followed', type: 'dir', input: { type: 'dir', path: 'd', followSymlinks: true } },
        ]),
      );
      assert.deepEqual(
        (await untar(links!.bytes)).map((e) => [e.name, e.type, e.linkname]),
        [
          ['alias.txt', 'symlink', 'real.txt'],
          ['common.yaml', 'symlink', '../common/common.yaml'],
          ['real.txt', 'file', null],
        ],
      );
      assert.deepEqual(
        (await untar(followed!.bytes)).map((e) => [e.name, e.type, e.content]),
        [
          ['alias.txt', 'file', 'real\n'],
          ['common.yaml', 'file', 'common\n'],
          ['real.txt', 'file', 'real\n'],
        ],
      );
    }));
});

describe('access by reference', () => {
  it('is passed through unchanged, relation external by default, digest kept', () =>
    workspace(async (ws) => {
      const access = {
        type: 'OCIImage/v1',
        imageReference: 'ghcr.io/acme/app:1.2.3',
        extra: { any: ['thing'] },
      };
      const digest = {
        hashAlgorithm: 'SHA-256',
        normalisationAlgorithm: 'ociArtifactDigest/v1',
        value: 'ab'.repeat(32),
      };
      const [image, chart] = await build(
        ws,
        constructorText([
          { name: 'image', type: 'ociImage', version: '1.2.3', access, digest },
          {
            name: 'chart',
            type: 'helmChart',
            version: '0.1.0',
            relation: 'local',
            access: { type: 'ociArtifact', imageReference: 'ghcr.io/acme/chart:0.1.0' },
            labels: [{ name: 'team', value: 'platform' }],
            extraIdentity: { arch: 'amd64' },
          },
        ]),
      );
      assert.deepEqual(image!.resource.access, access);
      assert.deepEqual(image!.resource.digest, digest);
      assert.equal(image!.resource.relation, 'external');
      assert.equal(chart!.resource.relation, 'local');
      assert.deepEqual(chart!.resource.labels, [{ name: 'team', value: 'platform' }]);
      assert.deepEqual(chart!.resource.extraIdentity, { arch: 'amd64' });
      assert.equal(chart!.resource.digest, undefined);
    }));
});

describe('streamed content', () => {
  it('a multi-megabyte file, plain and gzipped, in a dir too: stored bytes and digests match', () =>
    workspace(async (ws) => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 17);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
      await mkdir(join(ws.src, 'big'));
      await writeFile(join(ws.src, 'big/data.bin'), big);
      const [plain, gz, tarred] = await build(
        ws,
        constructorText([
          { name: 'plain', type: 'blob', input: { type: 'file', path: 'big/data.bin' } },
          { name: 'gz', type: 'blob', input: { type: 'file', path: 'big/data.bin', compress: true } },
          { name: 'tarred', type: 'dir', input: { type: 'dir', path: 'big' } },
        ]),
      );
      const written = big;
      assert.ok(plain!.bytes.equals(written));
      assert.equal(plain!.resource.access.localReference, digestOf(written));
      assert.ok(gunzipSync(gz!.bytes).equals(written));
      assert.equal(gz!.resource.access.localReference, digestOf(gz!.bytes));
      const [entry] = await untar(tarred!.bytes);
      assert.equal(entry?.name, 'data.bin');
      assert.equal(tarred!.resource.access.localReference, digestOf(tarred!.bytes));
    }));
});

describe('shared content', () => {
  it('two resources with the same bytes share one blob and both read back', () =>
    workspace(async (ws) => {
      const [a, b] = await build(
        ws,
        constructorText([
          { name: 'first', type: 'blob', input: { type: 'utf8', text: 'same' } },
          { name: 'second', type: 'blob', input: { type: 'utf8', text: 'same' } },
        ]),
      );
      assert.equal(a!.bytes.toString(), 'same');
      assert.equal(b!.bytes.toString(), 'same');
      assert.equal(a!.resource.access.localReference, b!.resource.access.localReference);
    }));
});

describe('interoperability', () => {
  it('GNU tar lists and extracts the Dir/v1 archive to the same tree', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, {
        'd/a.txt': 'a\n',
        'd/sub/b.txt': 'b\n',
        'd/link': { link: 'a.txt' },
      });
      const [r] = await build(
        ws,
        constructorText([{ name: 'tree', type: 'dir', input: { type: 'dir', path: 'd', compress: true } }]),
      );
      const archive = join(ws.root, 'd.tgz');
      await writeFile(archive, r!.bytes);
      const out = join(ws.root, 'out');
      await mkdir(out);
      const run = spawnSync('tar', ['-xzf', archive, '-C', out], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(await readFile(join(out, 'a.txt'), 'utf8'), 'a\n');
      assert.equal(await readFile(join(out, 'sub/b.txt'), 'utf8'), 'b\n');
      assert.equal(await readlink(join(out, 'link')), 'a.txt');
      const list = spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' });
      assert.deepEqual(list.stdout.trim().split('\n'), ['a.txt', 'link', 'sub/', 'sub/b.txt']);
    }));
});
