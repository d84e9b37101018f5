/**
 * `ocm get cv REF -o json|yaml`: beside the descriptor, how the name resolved (`resolution`) and the
 * descriptor's normalised digest, through a version, a stored alias and the computed `latest`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import YAML from 'yaml';
import { openRepository } from '../../src/open.js';
import { descriptorDigest } from '../../src/signing/index.js';
import { ocm } from '../support/cli.js';
import { descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

const C = 'example.com/shop/checkout';
let ws: { path: string; remove: () => Promise<void> };
const digests = new Map<string, string>();

before(async () => {
  ws = await tempDir();
  const { repository, close } = await openRepository(join(ws.path, 'ctf'), { create: true });
  for (const v of ['1.0.0', '1.1.0'])
    digests.set(v, (await repository.addComponentVersion(descriptor(v))).digest);
  await repository.addComponentVersionAlias(C, '1.0.0', 'prod');
  await close();
});
after(() => ws?.remove());

for (const [name, kind, version] of [
  ['1.1.0', 'version', '1.1.0'],
  ['prod', 'alias', '1.0.0'],
  ['latest', 'computed', '1.1.0'],
] as const)
  it(`through ${kind === 'version' ? 'a version' : kind === 'alias' ? 'an alias' : 'the computed latest'} (${name})`, async () => {
    const r = await ocm(['get', 'cv', `./ctf//${C}:${name}`, '-o', 'json'], { cwd: ws.path });
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout);
    assert.equal(shown.component.version, version);
    assert.deepEqual(shown.resolution, { requested: name, kind, version, digest: digests.get(version) });
    const plain = { meta: shown.meta, component: shown.component };
    assert.deepEqual(
      shown.descriptorDigest,
      descriptorDigest(plain, { normalisation: 'jsonNormalisation/v3', hash: 'SHA-256' }),
    );
    const y = await ocm(['get', 'cv', `./ctf//${C}:${name}`, '-o', 'yaml'], { cwd: ws.path });
    assert.equal(y.code, 0, y.stderr);
    const fromYaml = YAML.parse(y.stdout);
    assert.deepEqual(fromYaml.resolution, shown.resolution);
    assert.deepEqual(fromYaml.descriptorDigest, shown.descriptorDigest);
  });

it('--at TIME: the alias as it was then, said as the alias with its time', async () => {
  const at = new Date(Date.now() + 60_000).toISOString();
  const r = await ocm(['get', 'cv', `./ctf//${C}:prod`, '--at', at, '-o', 'json'], { cwd: ws.path });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).resolution, {
    requested: 'prod',
    kind: 'alias',
    version: '1.0.0',
    digest: digests.get('1.0.0'),
    at,
  });
});
