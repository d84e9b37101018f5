/**
 * `ocm transfer cv SOURCE_REPOSITORY TARGET_REPOSITORY`: every component of a CTF into a registry
 * prefix, the summary, a rerun that finds everything there (one request per version, in the
 * registry's access log), and a version that fails without stopping the others.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { ocm } from '../support/cli.js';
import { descriptor, resource } from '../support/descriptors.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const COMPONENTS = ['example.com/whole/a', 'example.com/whole/b', 'example.com/whole/c'];
const VERSIONS = ['1.0.0', '1.1.0'];

describe('transfer of a whole repository', () => {
  let reg: TestRegistry;
  let work: string;
  let ctf: string;
  before(async () => {
    reg = await startRegistry('anonymous');
    work = mkdtempSync(join(tmpdir(), 'ocm-whole-'));
    ctf = join(work, 'ctf');
    const source = await openRepository(`ctf::${ctf}`, { create: true });
    for (const c of COMPONENTS)
      for (const v of VERSIONS) {
        const r = await source.repository.addLocalResource(c, resource('payload'), {
          content: Buffer.from(`${c} ${v}`),
          mediaType: 'text/plain',
        });
        await source.repository.addComponentVersion(descriptor(v, { name: c, resources: [r] }));
      }
    await source.repository.addComponentVersionAlias(COMPONENTS[0]!, '1.0.0', 'prod');
    await source.close();
  });
  after(async () => {
    await reg?.close();
    rmSync(work, { recursive: true, force: true });
  });

  let markers = 0;
  const mark = async () => {
    const marker = `/v2/test-marker-${++markers}/tags/list`;
    await (await fetch(`http://${reg.host}${marker}`)).arrayBuffer();
    return marker;
  };
  const linesSince = async (marker: string) => {
    await new Promise((r) => setTimeout(r, 200));
    const log = reg.output();
    const at = log.lastIndexOf(`"GET ${marker} HTTP/1.1"`);
    assert.ok(at >= 0);
    return (log.slice(at + marker.length).match(/\] "[A-Z]+ \S+ HTTP\/1\.1"/g) ?? []).map((l) =>
      l.slice(3, l.lastIndexOf(' HTTP')),
    );
  };

  it('copies every version of every component, then a rerun costs one HEAD per version', async () => {
    const target = `${reg.host}/whole`;
    const first = await ocm(['transfer', 'cv', ctf, target, '--copy-aliases', '--jobs', '3'], { cwd: work });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^3 components, 6 versions: 6 copied; .* in [\d.]+ s$/m);
    assert.match(first.stdout, /example\.com\/whole\/a:1\.0\.0 copied .*aliases prod/);
    const check = await openRepository(target);
    for (const c of COMPONENTS)
      assert.deepEqual(await check.repository.listComponentVersions(c), ['1.1.0', '1.0.0']);
    assert.equal((await check.repository.resolveComponentVersion(COMPONENTS[0]!, 'prod')).version, '1.0.0');
    await check.close();

    const marker = await mark();
    const again = await ocm(['transfer', 'cv', ctf, target], { cwd: work });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^3 components, 6 versions: 0 copied, 6 unchanged; 0 B in/m);
    const lines = await linesSince(marker);
    assert.equal(lines.length, 6, lines.join('\n'));
    assert.ok(
      lines.every((l) => l.startsWith('HEAD ')),
      lines.join('\n'),
    );
  });

  it('a version that fails is reported, the others are copied, and the exit code is 1', async () => {
    const target = `${reg.host}/partial`;
    // The target holds b:1.0.0 with other content: with the default conflict policy that one fails.
    const other = await openRepository(target);
    await other.repository.addComponentVersion(
      descriptor('1.0.0', { name: COMPONENTS[1]!, provider: 'other.org' }),
    );
    await other.close();
    const run = await ocm(['transfer', 'cv', ctf, target], { cwd: work });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /example\.com\/whole\/b:1\.0\.0 failed/);
    assert.match(run.stdout, /6 versions: 5 copied, 1 failed/);
  });

  it('refuses flags that belong to one component, typed as a usage error', async () => {
    const run = await ocm(['transfer', 'cv', ctf, `${reg.host}/x`, '--recursive'], { cwd: work });
    assert.equal(run.code, 2);
    const jobs = await ocm(['transfer', 'cv', `${ctf}//${COMPONENTS[0]}`, `${reg.host}/x`, '--jobs', '2'], {
      cwd: work,
    });
    assert.equal(jobs.code, 2);
    assert.match(jobs.stderr, /--jobs goes with a whole repository/);
  });
});
