/**
 * Transfer of a 100-version CTF to a registry versus `skopeo copy` of the same bytes (issue 6,
 * Measure, part 2; DESIGN 7: throughput at least equal to skopeo's).
 *
 * Set-up: a CTF (directory form) holding 100 versions of one component, each with one local blob
 * resource of 64 KiB (random, so no two share a blob) besides its descriptor layer and config. The
 * same manifests and blobs, byte for byte, are exported as one OCI image layout whose `index.json`
 * names each manifest by its version tag.
 *
 * Each round copies everything into fresh repositories of one Distribution registry three ways:
 * - ours, CLI: one process, `node dist/bin/main.js transfer cv CTF//COMPONENT HOST/PREFIX`
 *   (every version, one after the other, blobs of a version 4 at once);
 * - ours, library: `transferComponentVersion` per version, in this process, sequentially;
 * - skopeo: `skopeo copy --preserve-digests oci:LAYOUT:TAG docker://HOST/.../COMPONENT:TAG`, one
 *   process per version, one after the other (skopeo has no multi-image copy from an OCI layout).
 * Both start processes: ours one, skopeo 100; that is how each tool does this job. The repository
 * paths are the same shape (`PREFIX/component-descriptors/COMPONENT`) and after each round the
 * tagged manifest digests are checked to be identical, so both moved the same bytes.
 * Throughput = bytes of blobs and manifests / wall time; ratio = ours / skopeo (higher is better).
 *
 *   node --import tsx bench/transfer-100.ts [--versions 100] [--rounds 3] [--blob-kib 64]
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
import { transferComponentVersion } from '../src/repository/transfer.js';
import { descriptor, resource } from '../test/support/descriptors.js';
import { skopeo, startRegistry } from '../test/support/registry.js';
import { emit, median, timeMs } from './lib.js';

const { values } = parseArgs({
  options: {
    versions: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    'blob-kib': { type: 'string', default: '64' },
  },
});
const count = Number(values.versions);
const rounds = Number(values.rounds);
const blobSize = Number(values['blob-kib']) * 1024;
const COMPONENT = 'example.com/bench/transfer';
const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'dist/bin/main.js');
if (!existsSync(main)) {
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}

const work = mkdtempSync(join(tmpdir(), 'ocm-bench-transfer-'));
const reg = await startRegistry('anonymous');
try {
  // 1. The CTF.
  const ctfPath = join(work, 'ctf');
  const versions = Array.from({ length: count }, (_, i) => `1.0.${i}`);
  {
    const source = await openRepository(`ctf::${ctfPath}`, { create: true });
    await source.repository.batch(async (repo) => {
      for (const v of versions) {
        const local = await repo.addLocalResource(COMPONENT, resource('payload', { version: v }), {
          content: randomBytes(blobSize),
          mediaType: 'application/octet-stream',
        });
        await repo.addComponentVersion(descriptor(v, { name: COMPONENT, resources: [local] }));
      }
    });
    await source.close();
  }

  // 2. The same bytes as an OCI image layout, one ref name per version.
  const layout = join(work, 'layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  let totalBytes = 0;
  const digests = new Map<string, string>();
  {
    const source = await openRepository(`ctf::${ctfPath}`, { readOnly: true });
    const store = source.repository.ociStore(COMPONENT);
    const written = new Set<string>();
    const write = (d: Descriptor, bytes: Uint8Array) => {
      if (written.has(d.digest)) return;
      written.add(d.digest);
      totalBytes += bytes.byteLength;
      writeFileSync(join(layout, 'blobs', 'sha256', d.digest.slice('sha256:'.length)), bytes);
    };
    const refs: object[] = [];
    for (const v of versions) {
      const top = await store.resolve(v);
      const bytes = await fetchAll(store, top);
      const m = parseManifest(bytes, top.mediaType);
      if (!('layers' in m)) throw new Error('expected image manifests, not indexes');
      for (const child of [m.config, ...m.layers])
        write(child, await fetchAll(store, child, { maxSize: 64 * 1024 * 1024 }));
      write(top, bytes);
      digests.set(v, top.digest);
      refs.push({
        mediaType: top.mediaType,
        digest: top.digest,
        size: top.size,
        annotations: { 'org.opencontainers.image.ref.name': v },
      });
    }
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: refs }));
    await source.close();
  }

  // 3. Rounds.
  let requests = 0;
  const times = { cli: [] as number[], lib: [] as number[], skopeo: [] as number[] };
  let libRequests = 0;
  const check = async (prefix: string, label: string) => {
    const target = reg.open();
    const store = target.repository(`${prefix}/component-descriptors/${COMPONENT}`);
    for (const v of [versions[0]!, versions[count - 1]!]) {
      const got = await store.resolve(v);
      if (got.digest !== digests.get(v))
        throw new Error(`${label}: ${v} landed as ${got.digest}, not ${digests.get(v)}`);
    }
    await target.close();
  };
  /**
   * Requests of a child process, counted in the registry's access log (nothing else talks to it
   * meanwhile): a marker request before the run, then the access lines after the marker's. The
   * harness keeps the last 2-4 MB of log, far more than one run writes.
   */
  let markers = 0;
  const mark = async () => {
    const marker = `/v2/bench-marker-${++markers}/tags/list`;
    await (await fetch(`http://${reg.host}${marker}`)).arrayBuffer();
    return marker;
  };
  const countSince = (marker: string): number | null => {
    const log = reg.output();
    const at = log.lastIndexOf(`"GET ${marker} HTTP/1.1"`);
    if (at < 0) return null;
    return (
      log.slice(at + marker.length).match(/\] "(?:GET|HEAD|PUT|POST|PATCH|DELETE) \S+ HTTP\/1\.1"/g) ?? []
    ).length;
  };
  let cliRequests: number | null = null;
  const runCli = async (prefix: string, only?: string) => {
    const marker = await mark();
    const ms = await timeMs(
      () =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [
              main,
              'transfer',
              'cv',
              `${ctfPath}//${COMPONENT}${only ? `:${only}` : ''}`,
              `${reg.host}/${prefix}`,
              '-q',
            ],
            { stdio: ['ignore', 'ignore', 'pipe'] },
          );
          let err = '';
          child.stderr.on('data', (c: Buffer) => {
            err += c.toString('utf8');
          });
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ocm transfer: ${err}`))));
        }),
    );
    cliRequests = countSince(marker);
    return ms;
  };
  const runLib = (prefix: string, list = versions) =>
    timeMs(async () => {
      const before = requests;
      const source = await openRepository(`ctf::${ctfPath}`, { readOnly: true });
      const target = await openRepository(`${reg.host}/${prefix}`, { onRequest: () => requests++ });
      for (const v of list)
        await transferComponentVersion(source.repository, target.repository, COMPONENT, v);
      await source.close();
      await target.close();
      libRequests = requests - before;
    });
  let skopeoRequests: number | null = null;
  const runSkopeo = async (prefix: string, list = versions) => {
    const marker = await mark();
    const ms = await timeMs(async () => {
      for (const v of list) {
        await skopeo([
          'copy',
          '--preserve-digests',
          ...reg.skopeoArgs('dest'),
          `oci:${layout}:${v}`,
          `docker://${reg.host}/${prefix}/component-descriptors/${COMPONENT}:${v}`,
        ]);
      }
    });
    skopeoRequests = countSince(marker);
    return ms;
  };
  // A short warm-up of each into throw-away repositories (page cache, registry, binaries).
  await runCli('warm-cli', versions[0]);
  await runLib('warm-lib', versions.slice(0, 10));
  await runSkopeo('warm-skopeo', versions.slice(0, 10));
  const order = ['cli', 'lib', 'skopeo'] as const;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < order.length; k++) {
      const which = order[(r + k) % order.length]!;
      const prefix = `r${r}-${which}`;
      const ms =
        which === 'cli'
          ? await runCli(prefix)
          : which === 'lib'
            ? await runLib(prefix)
            : await runSkopeo(prefix);
      times[which].push(ms);
      await check(prefix, which);
    }
  }
  const MiB = 1024 * 1024;
  const rate = (ms: number) => totalBytes / MiB / (ms / 1000);
  const [cli, lib, sk] = [median(times.cli), median(times.lib), median(times.skopeo)];
  console.log(
    `# Transfer of ${count} versions (${(totalBytes / MiB).toFixed(2)} MiB: ${blobSize / 1024} KiB blob + descriptor + config + manifest each), CTF -> registry, median of ${rounds} rounds`,
  );
  console.log('| how | time | throughput | versions/s | vs skopeo |');
  console.log('|---|---|---|---|---|');
  for (const [name, ms] of [
    [`ours: ocm transfer cv (CLI, 1 process, ${cliRequests ?? '?'} requests)`, cli],
    [`ours: transferComponentVersion (library, ${libRequests} requests)`, lib],
    [`skopeo copy --preserve-digests x ${count} (${count} processes, ${skopeoRequests ?? '?'} requests)`, sk],
  ] as const) {
    console.log(
      `| ${name} | ${(ms / 1000).toFixed(2)} s | ${rate(ms).toFixed(2)} MiB/s | ${(count / (ms / 1000)).toFixed(1)} | ${(sk / ms).toFixed(2)}x |`,
    );
  }
  emit({
    scenario: `transfer ${count}-version CTF -> registry (CLI) vs skopeo copy`,
    ours: rate(cli),
    baseline: rate(sk),
    unit: 'MiB/s',
    ratioMeaning: 'ours / skopeo throughput (higher is better)',
    ratio: sk / cli,
    baselineName: `skopeo copy x ${count}`,
    requests: cliRequests === null ? null : { ours: cliRequests, baseline: skopeoRequests },
    aim: '>= 1x skopeo throughput',
    met: sk / cli >= 1,
    runs: rounds,
    extra: { seconds: cli / 1000, baselineSeconds: sk / 1000, mib: totalBytes / MiB },
  });
  emit({
    scenario: `transfer ${count}-version CTF -> registry (library) vs skopeo copy`,
    ours: rate(lib),
    baseline: rate(sk),
    unit: 'MiB/s',
    ratioMeaning: 'ours / skopeo throughput (higher is better)',
    ratio: sk / lib,
    baselineName: `skopeo copy x ${count}`,
    requests: { ours: libRequests, baseline: skopeoRequests },
    aim: '>= 1x skopeo throughput',
    met: sk / lib >= 1,
    runs: rounds,
    extra: { seconds: lib / 1000, baselineSeconds: sk / 1000, mib: totalBytes / MiB },
  });
} finally {
  await reg.close();
  rmSync(work, { recursive: true, force: true });
}
