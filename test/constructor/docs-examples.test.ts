/**
 * docs/constructor.md: every YAML example is read by `readConstructor` as written (a fragment, such
 * as a `resources:` list, inside a minimal component), and the example with every input type builds.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { parse } from 'yaml';
import { readConstructor } from '../../src/constructor/index.js';
import { projectRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

let ws: { path: string; remove: () => Promise<void> };
let blocks: string[];

before(async () => {
  ws = await tempDir();
  await mkdir(join(ws.path, 'manifests'));
  await writeFile(join(ws.path, 'config.yaml'), 'port: 8080\n');
  await writeFile(join(ws.path, 'manifests/deploy.yaml'), 'kind: Deployment\n');
  await writeFile(join(ws.path, 'build.sh'), '#!/bin/sh\n');
  const doc = await readFile(join(projectRoot, 'docs/constructor.md'), 'utf8');
  blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
});
after(() => ws?.remove());

const env = { VERSION: '1.1.0', RELEASE_NOTE: 'new cart' };

it('every YAML example of docs/constructor.md is a valid constructor, or a valid part of one', async () => {
  assert.ok(blocks.length >= 10, `found ${blocks.length} examples`);
  const kinds = new Set<string>();
  for (const block of blocks) {
    const value = parse(block) as Record<string, unknown>;
    const whole = 'name' in value || 'components' in value;
    // A fragment gets what it leaves out of a minimal component.
    const fill = [
      ['name', 'name: example.com/shop/checkout'],
      ['version', 'version: ${VERSION}'],
      ['provider', 'provider: { name: acme.org }'],
    ].filter(([key]) => !(key! in value));
    const text = whole ? block : `${fill.map(([, line]) => `${line}\n`).join('')}${block}`;
    const read = await readConstructor({ text, baseDir: ws.path }, { env });
    for (const c of read.components)
      for (const r of [...(c.resources ?? []), ...(c.sources ?? [])])
        if (r.input) kinds.add(String(r.input.type).toLowerCase());
  }
  // The three input types are all shown.
  assert.deepEqual([...kinds].sort(), ['dir', 'file', 'utf8']);
});
