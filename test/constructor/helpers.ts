import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addComponentsFromConstructor, readConstructor } from '../../src/constructor/index.js';
import { CtfStore } from '../../src/ctf/store.js';
import type { Resource } from '../../src/descriptor/index.js';
import { readAll } from '../../src/oci/content/read.js';
import { OcmRepository } from '../../src/repository/index.js';
import { tempDir } from '../support/tmp.js';

export const COMPONENT = 'github.com/acme.org/app';
export const clock = () => new Date('2026-01-02T03:04:05Z');

/** A file tree: path -> content, or `{ link }` for a symbolic link, `{ dir: true }` for an empty folder. */
export type Tree = Record<string, string | { link: string } | { dir: true }>;

export async function writeTree(root: string, tree: Tree): Promise<void> {
  for (const [path, entry] of Object.entries(tree)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    if (typeof entry === 'string') await writeFile(full, entry);
    else if ('link' in entry) await symlink(entry.link, full);
    else await mkdir(full, { recursive: true });
  }
}

/** A workspace: `src/` holds the constructor and its inputs, `ctf/` the repository. */
export async function workspace<T>(
  fn: (ws: { root: string; src: string; ctf: string }) => Promise<T>,
): Promise<T> {
  const tmp = await tempDir('ocm-constructor-');
  try {
    const src = join(tmp.path, 'src');
    await mkdir(src);
    return await fn({ root: tmp.path, src, ctf: join(tmp.path, 'ctf') });
  } finally {
    await tmp.remove();
  }
}

export async function withRepo<T>(ctf: string, fn: (repo: OcmRepository) => Promise<T>): Promise<T> {
  const store = await CtfStore.open(ctf, { create: true });
  try {
    return await fn(new OcmRepository(store));
  } finally {
    await store.close();
  }
}

/** A single-component constructor with these resources, as YAML-compatible JSON text. */
export function constructorText(resources: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    components: [{ name: COMPONENT, version: '1.0.0', provider: { name: 'acme.org' }, resources, ...extra }],
  });
}

/** Builds `text` (base `src`) into `ctf` and returns each resource with its stored bytes. */
export async function build(
  ws: { src: string; ctf: string },
  text: string,
  env: Record<string, string> = {},
): Promise<{ resource: Resource; bytes: Buffer; mediaType: string }[]> {
  const spec = await readConstructor({ text, baseDir: ws.src }, { env });
  return withRepo(ws.ctf, async (repo) => {
    const [result] = await addComponentsFromConstructor(repo, spec, { now: clock });
    const { descriptor } = await repo.getComponentVersion(COMPONENT, result!.version);
    const out = [];
    for (const resource of descriptor.component.resources ?? []) {
      if (resource.access.type !== 'localBlob') {
        out.push({ resource, bytes: Buffer.alloc(0), mediaType: '' });
        continue;
      }
      const blob = await repo.getLocalResource(COMPONENT, result!.version, { name: resource.name });
      out.push({
        resource,
        bytes: Buffer.from(await readAll(blob.content, 1 << 24)),
        mediaType: blob.descriptor.mediaType,
      });
    }
    return out;
  });
}

/** Versions of the component in `ctf` (empty when nothing was written). */
export async function versions(ctf: string): Promise<string[]> {
  return withRepo(ctf, (repo) => repo.listComponentVersions(COMPONENT));
}
