/**
 * Registry transfer benchmark, one run against one local CNCF Distribution registry:
 * - push and pull of a 256 MiB blob by our store versus `skopeo copy` of the same bytes
 *   (OCI layout -> registry, registry -> OCI layout), with throughput and the ratio ours/skopeo;
 * - push of the same bytes by the built CLI (`ocm transfer cv` of a CTF holding them as a local
 *   resource, one process from spawn to exit) versus the same `skopeo copy` process;
 * - peak RSS of a child process pushing a 1 GiB blob generated as a stream.
 * Prints figures and never fails on them.
 * Usage: node --import tsx bench/registry-transfer.ts [MiB, default 256] [rounds, default 5]
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { encodeManifest } from '../src/oci/manifest.js';
import { emptyJson, MediaType } from '../src/oci/mediatype.js';
import { openRepository } from '../src/open.js';
import { descriptor, resource } from '../test/support/descriptors.js';
import { skopeo, startRegistry } from '../test/support/registry.js';
import { builtCli, emit, loadavg, median } from './lib.js';
import { generatedDigest } from './registry-generate.js';

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? 256) * MiB;
const rounds = Number(process.argv[3] ?? 5);
const bigSize = 1024 * MiB;
const COMPONENT = 'example.com/bench/push';
const cli = builtCli();

const work = mkdtempSync(join(tmpdir(), 'ocm-bench-'));
const reg = await startRegistry('anonymous');
const fmt = (bytesPerSecond: number) => `${(bytesPerSecond / MiB).toFixed(1)} MiB/s`;
/**
 * An OCI layout holding one layer of fresh random bytes: what skopeo copies, and what we push from
 * the same file. Fresh per round, so neither client finds the blob already in the registry (skopeo
 * remembers where it has seen blobs and would mount them instead of uploading).
 */
async function makeLayout(round: number) {
  const layout = join(work, `layout${round}`);
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const layerFile = join(work, `layer${round}.bin`);
  const hash = createHash('sha256');
  const out = createWriteStream(layerFile);
  for (let done = 0; done < size; done += 16 * MiB) {
    const chunk = randomBytes(Math.min(16 * MiB, size - done));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  const layer = { mediaType: MediaType.ImageLayer, digest: `sha256:${hash.digest('hex')}`, size };
  const manifestBytes = encodeManifest({
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config: { mediaType: emptyJson.mediaType, digest: emptyJson.digest, size: emptyJson.size },
    layers: [layer],
  });
  const manifest = {
    mediaType: MediaType.ImageManifest,
    digest: `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`,
    size: manifestBytes.byteLength,
  };
  copyFileSync(layerFile, join(blobs, layer.digest.slice(7)));
  // The same bytes as the local resource of a component version in a CTF, for the CLI to push.
  const ctf = join(work, `ctf${round}`);
  const source = await openRepository(`ctf::${ctf}`, { create: true });
  const r = await source.repository.addLocalResource(COMPONENT, resource('payload'), {
    content: createReadStream(layerFile, { highWaterMark: MiB }),
    mediaType: 'application/octet-stream',
    digest: layer.digest,
    size,
  });
  await source.repository.addComponentVersion(descriptor('1.0.0', { name: COMPONENT, resources: [r] }));
  await source.close();
  writeFileSync(join(blobs, emptyJson.digest.slice(7)), emptyJson.bytes);
  writeFileSync(join(blobs, manifest.digest.slice(7)), manifestBytes);
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': '1' } }],
    }),
  );
  return {
    layout,
    layerFile,
    ctf,
    layer,
    manifest,
    manifestBytes,
    remove: () => {
      rmSync(layout, { recursive: true, force: true });
      rmSync(ctf, { recursive: true, force: true });
      rmSync(layerFile, { force: true });
    },
  };
}

try {
  let requests = 0;
  const store = reg.open({ onRequest: () => requests++ });
  // Each timed step starts with the disk quiet: the round's freshly written 256 MiB files (and the
  // previous step's upload, which the registry fsyncs) are flushed first, so their write-back does
  // not land on whichever client happens to go next.
  const time = async (fn: () => Promise<unknown>) => {
    execFileSync('sync');
    const t = performance.now();
    await fn();
    return (performance.now() - t) / 1000;
  };

  // Rounds alternate ours and skopeo, each into repositories of its own, so neither always goes
  // first against a cold cache; the median of each is reported.
  const times = {
    oursPush: [] as number[],
    skopeoPush: [] as number[],
    cliPush: [] as number[],
    oursPull: [] as number[],
    skopeoPull: [] as number[],
  };
  let pushRequests = 0;
  let pullRequests = 0;
  for (let round = 0; round < rounds; round++) {
    const { layout, layerFile, ctf, layer, manifest, manifestBytes, remove } = await makeLayout(round);
    const oursPush = () =>
      time(async () => {
        const before = requests;
        const repo = store.repository(`bench/ours${round}`);
        await repo.push(layer, createReadStream(layerFile, { highWaterMark: MiB }));
        await repo.push(emptyJson, emptyJson.bytes);
        await repo.push(manifest, manifestBytes);
        pushRequests = requests - before;
      });
    const skopeoPush = () =>
      time(() =>
        skopeo([
          'copy',
          ...reg.skopeoArgs('dest'),
          `oci:${layout}:1`,
          `docker://${reg.host}/bench/skopeo${round}:1`,
        ]),
      );
    // The built CLI as a user runs it: one process, no HOME (no content cache), quiet.
    const cliPush = () =>
      time(
        () =>
          new Promise<void>((resolve, reject) =>
            execFile(
              process.execPath,
              [cli, 'transfer', 'cv', `${ctf}//${COMPONENT}:1.0.0`, `${reg.host}/bench/cli${round}`, '-q'],
              { env: { PATH: process.env.PATH ?? '' } },
              (err, _out, stderr) => (err ? reject(new Error(`ocm transfer failed: ${stderr}`)) : resolve()),
            ),
          ),
      );
    const oursPull = () =>
      time(async () => {
        const before = requests;
        const repo = store.repository(`bench/ours${round}`);
        await pipeline(await repo.fetch(layer), createWriteStream(join(work, 'pulled.bin')));
        pullRequests = requests - before;
      });
    const skopeoPull = () =>
      time(async () => {
        const dir = join(work, `pulled-layout${round}`);
        await skopeo([
          'copy',
          ...reg.skopeoArgs('src'),
          `docker://${reg.host}/bench/skopeo${round}:1`,
          `oci:${dir}:1`,
        ]);
        rmSync(dir, { recursive: true, force: true });
      });
    // The three pushes take turns going first (rounds 0, 1, 2: ours, skopeo, CLI first). Five rounds
    // by default: on a shared machine single rounds range from 0.6x to 2x, and the median steadies.
    const pushes = [
      async () => times.oursPush.push(await oursPush()),
      async () => times.skopeoPush.push(await skopeoPush()),
      async () => times.cliPush.push(await cliPush()),
    ];
    for (let i = 0; i < pushes.length; i++) await pushes[(round + i) % pushes.length]!();
    if (round % 2 === 0) {
      times.oursPull.push(await oursPull());
      times.skopeoPull.push(await skopeoPull());
    } else {
      times.skopeoPull.push(await skopeoPull());
      times.oursPull.push(await oursPull());
    }
    remove();
  }
  await store.close();
  const line = (what: string, scenario: string, ours: number[], theirs: number[], count: number | null) => {
    const [o, t] = [median(ours), median(theirs)];
    const each = ours.map((x, i) => (theirs[i]! / x).toFixed(2)).join(', ');
    console.log(
      `  ${what}  ours ${fmt(size / o)} (${o.toFixed(2)} s${count === null ? '' : `, ${count} requests`})  skopeo ${fmt(size / t)} (${t.toFixed(2)} s)  throughput ratio ours/skopeo ${(t / o).toFixed(2)} (rounds: ${each})`,
    );
    emit({
      scenario,
      ours: Number((size / MiB / o).toFixed(1)),
      baseline: Number((size / MiB / t).toFixed(1)),
      unit: 'MiB/s',
      ratio: t / o,
      ratioMeaning: 'ours / skopeo throughput (higher is better)',
      baselineName: 'skopeo copy',
      requests: count === null ? null : { ours: count, baseline: null },
      aim: '>= 1x skopeo throughput',
      met: t / o >= 1,
      runs: rounds,
      extra: { roundRatios: each },
    });
  };
  console.log(
    `registry transfer, ${size / MiB} MiB blob, docker-registry on loopback (plain HTTP), median of ${rounds} rounds, load ${loadavg()}`,
  );
  const mib = size / MiB;
  line(
    'push',
    `${mib} MiB blob push (library) vs skopeo copy`,
    times.oursPush,
    times.skopeoPush,
    pushRequests,
  );
  line(
    'push (CLI)',
    `${mib} MiB blob push (built CLI, ocm transfer cv) vs skopeo copy`,
    times.cliPush,
    times.skopeoPush,
    null,
  );
  line('pull', `${mib} MiB blob pull vs skopeo copy`, times.oursPull, times.skopeoPull, pullRequests);

  // Memory: a separate process pushes a blob generated on the fly, at two sizes, to show it is flat.
  for (const blobSize of [bigSize / 4, bigSize]) {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL('./registry-push-child.ts', import.meta.url).pathname,
        reg.host,
        String(blobSize),
        generatedDigest(blobSize),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
        baselineRss: number;
        peakRssBytes: number;
        maxRssKiB: number;
        seconds: number;
      };
      console.log(
        `  memory pushing a ${blobSize / MiB} MiB generated stream: peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB (maxRSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB), ${(r.baselineRss / MiB).toFixed(0)} MiB before the push (node + tsx), ${fmt(blobSize / r.seconds)}`,
      );
      emit({
        scenario: `peak RSS pushing a ${blobSize / MiB} MiB stream (maxRSS of the pushing process)`,
        ours: Math.round(r.maxRssKiB / 1024),
        baseline: null,
        unit: 'MiB',
        ratio: null,
        ratioMeaning: `sampled peak ${(r.peakRssBytes / MiB).toFixed(0)} MiB; ${(r.baselineRss / MiB).toFixed(0)} MiB before the push`,
        requests: null,
        aim: 'flat in blob size',
        met: null,
      });
    } catch {
      console.log(`  memory: the child failed (exit ${code}): ${out}`);
    }
  }
} catch (err) {
  console.log(`registry transfer benchmark could not run: ${(err as Error).message}`);
} finally {
  await reg.close();
  rmSync(work, { recursive: true, force: true });
}
