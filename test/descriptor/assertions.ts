import assert from 'node:assert/strict';
import { type Component, type DescriptorV2, InvalidDescriptorError } from '../../src/descriptor/index.js';

/** The `InvalidDescriptorError` that `fn` throws; fails the test when it throws anything else or nothing. */
export function descriptorError(fn: () => unknown): InvalidDescriptorError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InvalidDescriptorError, `expected InvalidDescriptorError, got ${String(e)}`);
    return e;
  }
  return assert.fail('expected an InvalidDescriptorError, nothing was thrown');
}

/** A small valid descriptor of `github.com/acme/app:1.0.0`; `component` fields replace the defaults. */
export function descriptorWith(component: Partial<Component> = {}): DescriptorV2 {
  return {
    meta: { schemaVersion: 'v2' },
    component: {
      name: 'github.com/acme/app',
      version: '1.0.0',
      provider: 'acme',
      repositoryContexts: [],
      resources: [],
      sources: [],
      componentReferences: [],
      ...component,
    },
  };
}
