import type { Label } from './types.js';

export interface Provider {
  readonly name: string;
  readonly labels?: Label[];
}

/**
 * The provider of a v2 descriptor. It is a string; ocm1 stores a JSON document
 * `{"name": ..., "labels": [...]}` in that string when the provider has labels (docs/formats.md,
 * provider). Anything that is not such a document is the provider's name as written.
 */
export function parseProvider(provider: string): Provider {
  if (provider.startsWith('{')) {
    try {
      const value = JSON.parse(provider) as unknown;
      if (value !== null && typeof value === 'object' && typeof (value as Provider).name === 'string') {
        const { name, labels } = value as Provider;
        return Array.isArray(labels) ? { name, labels } : { name };
      }
    } catch {
      // Not JSON: a name that happens to start with "{".
    }
  }
  return { name: provider };
}
