/**
 * A whole CTF into a registry: `ocm transfer cv CTF HOST/PREFIX` (every version of every component,
 * one process, `--jobs` versions at once) against skopeo, which copies one image per process
 * (`skopeo copy --preserve-digests oci:LAYOUT:REF docker://...`), one after the other: the way a
 * script would move the same manifests and blobs with it. Then the rerun of ours (everything is
 * there: one request per version) as the resumable case. Requests are counted in the registry's
 * access log (a marker request before each run), and the tagged digests are compared afterwards.
 *
 *   node --import tsx bench/transfer-repository.ts [--components 20] [--versions 20] [--blob-kib 16]
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fetchAll } from '../src/oci/content/read.js';
import type { Descriptor } from '../src/oci/descriptor.js';
import { parseManifest } from '../src/oci/manifest.js';
import { openRepository } from '../src/open.js';
import { descriptor, resource } from '../test/support/descriptors.js';
import { skopeo, startRegistry } from '../test/support/registry.js';
import { emit, loadavg, timeMs } from './lib.js';

const { values } = parseArgs({
  options: {
    components: { type: 'string', default: '20' },
    versions: { type: 'string', default: '20' },
    'blob-kib': { type: 'string', default: '16' },
    jobs: { type: 'string', default: '4' },
  },
});
const nComponents = Number(values.components);
const nVersions = Number(values.versions);
const blobSize = Number(values['blob-kib']) * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'dist/bin/main.js');
if (!existsSync(main)) {
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}

const work = mkdtempSync(join(tmpdir(), 'ocm-bench-transfer-repo-'));
const reg = await startRegistry('anonymous');
try {
  const components = Array.from({ length: nComponents }, (_, i) => `example.com/bench/c${i}`);
  const versions = Array.from({ length: nVersions }, (_, i) => `1.0.${i}`);
  const ctf = join(work, 'ctf');
  {
    const source = await openRepository(`ctf::${ctf}`, { create: true });
    await source.repository.batch(async (repo) => {
      for (const c of components)
        for (const v of versions) {
          const local = await repo.addLocalResource(c, resource('payload', { version: v }), {
            content: randomBytes(blobSize),
            mediaType: 'application/octet-stream',
          });
          await repo.addComponentVersion(descriptor(v, { name: c, resources: [local] }));
        }
    });
    await source.close();
  }
  // The same manifests and blobs as one OCI layout, one ref name per component version.
  const layout = join(work, 'layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const digests = new Map<string, string>();
  let totalBytes = 0;
  {
    const source = await openRepository(`ctf::${ctf}`, { readOnly: true });
    const written = new Set<string>();
    const write = (d: Descriptor, bytes: Uint8Array) => {
      if (written.has(d.digest)) return;
      written.add(d.digest);
      totalBytes += bytes.byteLength;
      writeFileSync(join(layout, 'blobs', 'sha256', d.digest.slice(7)), bytes);
    };
    const refs: object[] = [];
    for (const [ci, c] of components.entries()) {
      const store = source.repository.ociStore(c);
      for (const v of versions) {
        const top = await store.resolve(v);
        const bytes = await fetchAll(store, top);
        const m = parseManifest(bytes, top.mediaType);
        if (!('layers' in m)) throw new Error('expected image manifests');
        for (const child of [m.config, ...m.layers]) write(child, await fetchAll(store, child));
        write(top, bytes);
        digests.set(`${c}:${v}`, top.digest);
        refs.push({ ...top, annotations: { 'org.opencontainers.image.ref.name': `c${ci}-${v}` } });
      }
    }
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: refs }));
    await source.close();
  }

  let markers = 0;
  const mark = async () => {
    const marker = `/v2/bench-marker-${++markers}/tags/list`;
    await (await fetch(`http://${reg.host}${marker}`)).arrayBuffer();
    return marker;
  };
  const countSince = async (marker: string) => {
    await new Promise((r) => setTimeout(r, 300));
    const log = reg.output();
    const at = log.lastIndexOf(`"GET ${marker} HTTP/1.1"`);
    // The marker's own line starts before `at`, so it is not counted.
    return (log.slice(at).match(/\] "(?:GET|HEAD|PUT|POST|PATCH|DELETE) \S+ HTTP\/1\.1"/g) ?? []).length;
  };
  const runOurs = (prefix: string) =>
    timeMs(
      () =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [main, 'transfer', 'cv', ctf, `${reg.host}/${prefix}`, '--jobs', values.jobs, '-q'],
            { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
          );
          let err = '';
          child.stderr.on('data', (c: Buffer) => {
            err += c.toString('utf8');
          });
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ocm transfer: ${err}`))));
        }),
    );
  /** Skopeo's requests, counted per component: the harness keeps only the last 2-4 MB of log. */
  let skopeoRequests = 0;
  let countingMs = 0;
  const runSkopeo = (prefix: string) =>
    timeMs(async () => {
      for (const [ci, c] of components.entries()) {
        let t = performance.now();
        const marker = await mark();
        countingMs += performance.now() - t;
        for (const v of versions)
          await skopeo([
            'copy',
            '--preserve-digests',
            ...reg.skopeoArgs('dest'),
            `oci:${layout}:c${ci}-${v}`,
            `docker://${reg.host}/${prefix}/component-descriptors/${c}:${v}`,
          ]);
        t = performance.now();
        skopeoRequests += await countSince(marker);
        countingMs += performance.now() - t;
      }
    });
  const check = async (prefix: string) => {
    const store = reg.open();
    for (const c of [components[0]!, components[nComponents - 1]!])
      for (const v of [versions[0]!, versions[nVersions - 1]!]) {
        const got = await store.repository(`${prefix}/component-descriptors/${c}`).resolve(v);
        if (got.digest !== digests.get(`${c}:${v}`)) throw new Error(`${prefix}: ${c}:${v} is ${got.digest}`);
      }
    await store.close();
  };

  const load = loadavg();
  let marker = await mark();
  const oursMs = await runOurs('ours');
  const oursRequests = await countSince(marker);
  await check('ours');
  marker = await mark();
  const rerunMs = await runOurs('ours');
  const rerunRequests = await countSince(marker);
  // The per-component log counting is timed and taken out of skopeo's time.
  const skopeoMs = (await runSkopeo('sk')) - countingMs;
  await check('sk');

  const n = nComponents * nVersions;
  const MiB = 1024 * 1024;
  console.log(
    `# Whole CTF (${nComponents} components x ${nVersions} versions, ${(totalBytes / MiB).toFixed(1)} MiB) into a registry, load ${load}`,
  );
  console.log('| how | time | versions/s | requests | requests/version |');
  console.log('|---|---|---|---|---|');
  for (const [name, ms, req] of [
    [`ocm transfer cv CTF REGISTRY (--jobs ${values.jobs})`, oursMs, oursRequests],
    ['the same again (all present)', rerunMs, rerunRequests],
    ['skopeo copy per image', skopeoMs, skopeoRequests],
  ] as const) {
    console.log(
      `| ${name} | ${(ms / 1000).toFixed(2)} s | ${(n / (ms / 1000)).toFixed(1)} | ${req} | ${(req / n).toFixed(1)} |`,
    );
  }
  emit({
    scenario: `whole-CTF transfer ${nComponents}x${nVersions} vs skopeo copy per image`,
    ours: Number((oursMs / 1000).toFixed(2)),
    baseline: Number((skopeoMs / 1000).toFixed(2)),
    unit: 's',
    ratio: Number((skopeoMs / oursMs).toFixed(2)),
    ratioMeaning: 'skopeo time / ours (higher is better)',
    baselineName: 'skopeo copy --preserve-digests, one process per image',
    requests: { ours: oursRequests, baseline: skopeoRequests },
    aim: 'fewer requests per version than skopeo; faster',
    met: oursRequests < skopeoRequests && oursMs < skopeoMs,
    extra: { versions: n, rerunSeconds: Number((rerunMs / 1000).toFixed(2)), rerunRequests },
  });
} finally {
  await reg.close();
  rmSync(work, { recursive: true, force: true });
}
