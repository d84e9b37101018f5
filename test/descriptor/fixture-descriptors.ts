/**
 * The component descriptors inside the Go-written fixtures (test/fixtures), found the way a
 * reader finds them: CTF index -> manifest -> config `componentDescriptorLayer` -> the tar's
 * `component-descriptor.yaml`. The tar is read here by its USTAR headers, independently of src/.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const fixtures = new URL('../fixtures/', import.meta.url);
export const DESCRIPTOR_TAR_MEDIA_TYPE = 'application/vnd.ocm.software.component-descriptor.v2+yaml+tar';

export interface FixtureDescriptor {
  /** Where it came from, for test names. */
  readonly label: string;
  /** The descriptor file's exact bytes. */
  readonly bytes: Buffer;
}

/** CTFs in every format the fixtures hold: directories, and the helloworld tar and tgz. */
const ctfs = [
  'ctf/ocm1-helloworld/transport-archive/',
  'ctf/ocm1-helloworld-ociartifact/with-resource/',
  'ctf/ocm1-helloworld-ociartifact/without-resource/',
  'ctf/ocm1-v0.18-shared-blobs/',
  'ctf/ocm1-helloworld/transport-archive.tar',
  'ctf/ocm1-helloworld/transport-archive.tar.gz',
];

/** Reads a file of a CTF by its path inside the archive. */
function ctfReader(path: string): (name: string) => Buffer {
  const location = new URL(path, fixtures);
  if (path.endsWith('/')) return (name) => readFileSync(new URL(name, location));
  const raw = readFileSync(location);
  const entries = tarEntries(path.endsWith('.gz') ? gunzipSync(raw) : raw);
  return (name) => {
    const entry = entries.find((e) => e.name.replace(/^\.?\//, '') === name);
    if (entry === undefined) throw new Error(`${path}: no ${name}`);
    return entry.content;
  };
}

/** The entries of an uncompressed tar: name and content, in order. */
export function tarEntries(tar: Buffer): Array<{ name: string; content: Buffer }> {
  const entries: Array<{ name: string; content: Buffer }> = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const prefix = field(345, 155);
    const name = prefix === '' ? field(0, 100) : `${prefix}/${field(0, 100)}`;
    entries.push({ name, content: tar.subarray(offset + 512, offset + 512 + size) });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

export function ctfDescriptors(): FixtureDescriptor[] {
  const out: FixtureDescriptor[] = [];
  for (const path of ctfs) {
    const read = ctfReader(path);
    const blob = (digest: string) => read(`blobs/${digest.replace(':', '.')}`);
    const index = JSON.parse(read('artifact-index.json').toString('utf8')) as {
      artifacts: Array<{ digest: string }>;
    };
    for (const artifact of index.artifacts) {
      const manifest = JSON.parse(blob(artifact.digest).toString('utf8')) as { config: { digest: string } };
      const config = JSON.parse(blob(manifest.config.digest).toString('utf8')) as {
        componentDescriptorLayer: { mediaType: string; digest: string };
      };
      const layer = config.componentDescriptorLayer;
      if (layer.mediaType !== DESCRIPTOR_TAR_MEDIA_TYPE)
        throw new Error(`${path}: unexpected ${layer.mediaType}`);
      const entry = tarEntries(blob(layer.digest)).find(
        (e) => e.name.replace(/^\//, '') === 'component-descriptor.yaml',
      );
      if (entry === undefined) throw new Error(`${path}: no component-descriptor.yaml in the layer`);
      out.push({ label: `${path} (${layer.digest.slice(0, 19)})`, bytes: entry.content });
    }
  }
  return out;
}

/** Descriptors stored as plain files in the fixtures. */
export function fileDescriptors(): FixtureDescriptor[] {
  return [
    'normalisation/v3-ocmcli-0.27.0/input.yaml',
    'signing/ocm1-rsa-pkcs1-v1/component-archive/component-descriptor.yaml',
  ].map((path) => ({ label: path, bytes: readFileSync(new URL(path, fixtures)) }));
}

export function allFixtureDescriptors(): FixtureDescriptor[] {
  return [...ctfDescriptors(), ...fileDescriptors()];
}
