/**
 * Registry transfer benchmark, one run against one local CNCF Distribution registry:
 * - push and pull of a 256 MiB blob by our store versus `skopeo copy` of the same bytes
 *   (OCI layout -> registry, registry -> OCI layout), with throughput and the ratio ours/skopeo;
 * - peak RSS of a child process pushing a 1 GiB blob generated as a stream.
 * Prints figures and never fails on them. Usage: node --import tsx bench/registry-transfer.ts [MiB]
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { encodeManifest } from '../src/oci/manifest.js';
import { emptyJson, MediaType } from '../src/oci/mediatype.js';
import { skopeo, startRegistry } from '../test/support/registry.js';
import { generatedDigest } from './registry-generate.js';

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? 256) * MiB;
const bigSize = 1024 * MiB;

const work = mkdtempSync(join(tmpdir(), 'ocm-bench-'));
const reg = await startRegistry('anonymous');
const fmt = (bytesPerSecond: number) => `${(bytesPerSecond / MiB).toFixed(1)} MiB/s`;
try {
  // An OCI layout holding one layer of random bytes: what skopeo copies, and what we push.
  const layout = join(work, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const layerFile = join(work, 'layer.bin');
  const hash = createHash('sha256');
  {
    const out = createWriteStream(layerFile);
    for (let done = 0; done < size; done += 16 * MiB) {
      const chunk = randomBytes(Math.min(16 * MiB, size - done));
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
  const layer = { mediaType: MediaType.ImageLayer, digest: `sha256:${hash.digest('hex')}`, size };
  const manifestBytes = encodeManifest({
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config: { mediaType: emptyJson.mediaType, digest: emptyJson.digest, size: emptyJson.size },
    layers: [layer],
  });
  const manifestDigest = `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`;
  const { execFileSync } = await import('node:child_process');
  execFileSync('cp', [layerFile, join(blobs, layer.digest.slice(7))]);
  writeFileSync(join(blobs, emptyJson.digest.slice(7)), emptyJson.bytes);
  writeFileSync(join(blobs, manifestDigest.slice(7)), manifestBytes);
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: MediaType.ImageManifest,
          digest: manifestDigest,
          size: manifestBytes.byteLength,
          annotations: { 'org.opencontainers.image.ref.name': '1' },
        },
      ],
    }),
  );

  let requests = 0;
  const store = reg.open({ onRequest: () => requests++ });
  const time = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return (performance.now() - t) / 1000;
  };

  // Push: ours (blob stream from the file, then config and manifest), then skopeo to another repository.
  const oursPush = await time(async () => {
    const repo = store.repository('bench/ours');
    await repo.push(layer, createReadStream(layerFile, { highWaterMark: MiB }));
    await repo.push(emptyJson, emptyJson.bytes);
    await repo.push(
      { mediaType: MediaType.ImageManifest, digest: manifestDigest, size: manifestBytes.byteLength },
      manifestBytes,
    );
  });
  const pushRequests = requests;
  const skopeoPush = await time(() =>
    skopeo(['copy', ...reg.skopeoArgs('dest'), `oci:${layout}:1`, `docker://${reg.host}/bench/skopeo:1`]),
  );

  // Pull: ours (verified stream to a file), then skopeo to an OCI layout.
  requests = 0;
  const oursPull = await time(async () => {
    const repo = store.repository('bench/ours');
    await pipeline(await repo.fetch(layer), createWriteStream(join(work, 'pulled.bin')));
  });
  const pullRequests = requests;
  const skopeoPull = await time(() =>
    skopeo([
      'copy',
      ...reg.skopeoArgs('src'),
      `docker://${reg.host}/bench/skopeo:1`,
      `oci:${join(work, 'pulled-layout')}:1`,
    ]),
  );
  await store.close();

  console.log(`registry transfer, ${size / MiB} MiB blob, docker-registry on loopback (plain HTTP)`);
  console.log(
    `  push  ours ${fmt(size / oursPush)} (${oursPush.toFixed(2)} s, ${pushRequests} requests)  skopeo ${fmt(size / skopeoPush)} (${skopeoPush.toFixed(2)} s)  ratio ours/skopeo ${(skopeoPush / oursPush).toFixed(2)}`,
  );
  console.log(
    `  pull  ours ${fmt(size / oursPull)} (${oursPull.toFixed(2)} s, ${pullRequests} requests)  skopeo ${fmt(size / skopeoPull)} (${skopeoPull.toFixed(2)} s)  ratio ours/skopeo ${(skopeoPull / oursPull).toFixed(2)}`,
  );
  rmSync(layout, { recursive: true, force: true });
  rmSync(layerFile, { force: true });

  // Memory: a separate process pushes 1 GiB generated on the fly.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./registry-push-child.ts', import.meta.url).pathname,
      reg.host,
      String(bigSize),
      generatedDigest(bigSize),
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
      `  memory pushing a ${bigSize / MiB} MiB stream: peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB sampled, maxRSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB, before the push ${(r.baselineRss / MiB).toFixed(0)} MiB (${fmt(bigSize / r.seconds)})`,
    );
  } catch {
    console.log(`  memory: the child failed (exit ${code}): ${out}`);
  }
} catch (err) {
  console.log(`registry transfer benchmark could not run: ${(err as Error).message}`);
} finally {
  await reg.close();
  rmSync(work, { recursive: true, force: true });
}
