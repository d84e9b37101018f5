import type { DescriptorV2, Label, Resource } from '../../src/descriptor/index.js';

export const COMPONENT = 'example.com/shop/checkout';

/** A minimal valid v2 descriptor. */
export function descriptor(
  version: string,
  options: { name?: string; resources?: Resource[]; provider?: string; labels?: Label[] } = {},
): DescriptorV2 {
  return {
    meta: { schemaVersion: 'v2' },
    component: {
      name: options.name ?? COMPONENT,
      version,
      provider: options.provider ?? 'acme.org',
      repositoryContexts: [],
      resources: options.resources ?? [],
      sources: [],
      componentReferences: [],
      ...(options.labels ? { labels: options.labels } : {}),
    },
  };
}

export function resource(name: string, extra: Partial<Resource> = {}): Resource {
  return { name, version: '1.0.0', type: 'blob', relation: 'local', access: { type: 'none' }, ...extra };
}
