/**
 * The main job until the `ocm` CLI lands: a staged release on the CTF `./transport-archive` in the
 * working directory. It stores two builds of an example artifact, tags their versions, points the
 * stage tags dev, staging and prod at them the way aliases will, and prints what each stage runs.
 * Run it again and it moves the stages again: tags move, content is never re-uploaded.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CtfStore } from '../src/ctf/store/store.js';
import { digestOf } from '../src/oci/digest.js';
import { encodeManifest } from '../src/oci/manifest.js';
import { emptyJson, MediaType } from '../src/oci/mediatype.js';

const archive = join(process.cwd(), 'transport-archive');
const repository = 'component-descriptors/example.com/shop/checkout';

async function build(version: string, config: Uint8Array) {
  const manifest = encodeManifest({
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config: { mediaType: emptyJson.mediaType, digest: emptyJson.digest, size: emptyJson.size },
    layers: [{ mediaType: 'application/yaml', digest: digestOf(config), size: config.byteLength }],
    annotations: { 'org.opencontainers.image.version': version },
  });
  return { version, config, manifest, digest: digestOf(manifest) };
}

const store = await CtfStore.open(archive, { create: true });
try {
  const base = await readFile(new URL('../examples/checkout/config.yaml', import.meta.url));
  const builds = [
    await build('1.0.0', base),
    await build('1.1.0', Buffer.concat([base, Buffer.from('featureFlags:\n  newCart: true\n')])),
  ];
  await store.batch(async (tx) => {
    const repo = tx.repository(repository);
    await repo.push(
      { mediaType: emptyJson.mediaType, digest: emptyJson.digest, size: emptyJson.size },
      emptyJson.bytes,
    );
    for (const b of builds) {
      await repo.push(
        { mediaType: 'application/yaml', digest: digestOf(b.config), size: b.config.byteLength },
        b.config,
      );
      const desc = { mediaType: MediaType.ImageManifest, digest: b.digest, size: b.manifest.byteLength };
      await repo.push(desc, b.manifest);
      await repo.tag(desc, b.version);
    }
  });
  const repo = store.repository(repository);
  const stage = async (name: string, from: string) => {
    const target = await repo.resolve(from);
    await repo.tag(target, name);
    console.log(`tagged ${name.padEnd(8)} -> ${from.padEnd(8)} ${target.digest}`);
  };
  await stage('dev', '1.0.0');
  await stage('staging', 'dev');
  await stage('prod', 'staging');
  await stage('dev', '1.1.0');
  console.log(`\n${archive}  ${repository}`);
  for await (const page of repo.tags()) {
    for (const tag of page) console.log(`  ${tag.padEnd(8)} ${(await repo.resolve(tag)).digest}`);
  }
} finally {
  await store.close();
}
