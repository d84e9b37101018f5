/**
 * Products for the reference tests: component versions with one local resource each and
 * `componentReferences` to others, stored through the public repository API.
 */
import type { ComponentReference } from '../../src/descriptor/index.js';
import type { OcmRepository } from '../../src/repository/index.js';
import { descriptor, resource } from './descriptors.js';

export interface Part {
  readonly name: string;
  readonly version?: string;
  /** Reference name -> `component:version`. */
  readonly refs?: Readonly<Record<string, string>>;
}

export const PRODUCT = 'example.com/shop/product';
export const svc = (s: string) => `example.com/shop/${s}`;

/** Stores `part` with a local resource whose bytes name it, and references as given. */
export async function addPart(repo: OcmRepository, part: Part): Promise<string> {
  const version = part.version ?? '1.0.0';
  const res = await repo.addLocalResource(part.name, resource('payload', { type: 'plainText' }), {
    content: Buffer.from(`payload of ${part.name}:${version}\n`),
    mediaType: 'text/plain',
  });
  const d = descriptor(version, { name: part.name, resources: [res] });
  d.component.componentReferences = Object.entries(part.refs ?? {}).map(([name, ref]): ComponentReference => {
    const at = ref.lastIndexOf(':');
    return { name, componentName: ref.slice(0, at), version: ref.slice(at + 1) };
  });
  return (await repo.addComponentVersion(d)).digest;
}

/**
 * The product of the reference tests: product -> a, b, c; a -> b (so b is reached along two paths);
 * c is stored only in `lookup`.
 */
export async function addProduct(main: OcmRepository, lookup: OcmRepository): Promise<void> {
  await addPart(main, { name: svc('b') });
  await addPart(main, { name: svc('a'), refs: { 'svc-b': `${svc('b')}:1.0.0` } });
  await addPart(lookup, { name: svc('c') });
  await addPart(main, {
    name: PRODUCT,
    refs: { 'svc-a': `${svc('a')}:1.0.0`, 'svc-b': `${svc('b')}:1.0.0`, 'svc-c': `${svc('c')}:1.0.0` },
  });
}
