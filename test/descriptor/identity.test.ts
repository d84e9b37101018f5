/** Element identities and lookups by identity. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DescriptorV2,
  elementIdentities,
  elementIdentity,
  findComponentReference,
  findResource,
  findSource,
  identityEquals,
  identityKey,
  type Resource,
} from '../../src/descriptor/index.js';
import { descriptorWith } from './assertions.js';

const resource = (name: string, version: string, extraIdentity?: Record<string, string>): Resource => ({
  name,
  version,
  type: 'blob',
  relation: 'local',
  access: { type: 'none' },
  ...(extraIdentity === undefined ? {} : { extraIdentity }),
});

const descriptor: DescriptorV2 = descriptorWith({
  resources: [
    resource('cli', '1.0.0', { os: 'linux', architecture: 'amd64' }),
    resource('cli', '1.0.0', { os: 'darwin', architecture: 'arm64' }),
    resource('chart', '1.0.0'),
    resource('chart', '2.0.0'),
    resource('image', '3.0.0', { version: 'pinned' }),
  ],
  sources: [{ name: 'src', version: '1.0.0', type: 'git', access: { type: 'gitHub' } }],
  componentReferences: [{ name: 'dep', version: '2.0.0', componentName: 'github.com/acme/dep' }],
});

describe('element identities', () => {
  it('is name plus extraIdentity; name always the element name', () => {
    assert.deepEqual(elementIdentity(resource('a', '1', { os: 'linux' })), { os: 'linux', name: 'a' });
  });

  it('adds the version only where name and extraIdentity are not unique', () => {
    assert.deepEqual(elementIdentities(descriptor, 'resources'), [
      { name: 'cli', os: 'linux', architecture: 'amd64' },
      { name: 'cli', os: 'darwin', architecture: 'arm64' },
      { name: 'chart', version: '1.0.0' },
      { name: 'chart', version: '2.0.0' },
      { name: 'image', version: 'pinned' },
    ]);
  });

  it('compares identities regardless of key order', () => {
    assert.equal(identityEquals({ a: '1', name: 'x' }, { name: 'x', a: '1' }), true);
    assert.equal(identityEquals({ a: '1', name: 'x' }, { name: 'x', a: '2' }), false);
    assert.equal(identityKey({ b: '1', a: '2' }), identityKey({ a: '2', b: '1' }));
    assert.notEqual(identityKey({ a: '1' }), identityKey({ a: '1', b: '' }));
  });
});

describe('finding elements', () => {
  const resources = descriptor.component.resources ?? [];

  it('finds by full identity', () => {
    assert.equal(
      findResource(descriptor, { name: 'cli', os: 'darwin', architecture: 'arm64' }),
      resources[1],
    );
    assert.equal(findResource(descriptor, { name: 'chart', version: '2.0.0' }), resources[3]);
    assert.equal(findResource(descriptor, { name: 'image', version: 'pinned' }), resources[4]);
    assert.equal(findSource(descriptor, { name: 'src' }), descriptor.component.sources?.[0]);
    assert.equal(
      findComponentReference(descriptor, { name: 'dep' }),
      descriptor.component.componentReferences?.[0],
    );
  });

  it('accepts a version the identity does not need when it matches', () => {
    assert.equal(
      findSource(descriptor, { name: 'src', version: '1.0.0' }),
      descriptor.component.sources?.[0],
    );
    assert.equal(findSource(descriptor, { name: 'src', version: '9.9.9' }), undefined);
    // image's identity version is the explicit "pinned", not its element version.
    assert.equal(findResource(descriptor, { name: 'image', version: '3.0.0' }), undefined);
  });

  it('finds nothing for partial or ambiguous identities', () => {
    assert.equal(findResource(descriptor, { name: 'cli' }), undefined);
    assert.equal(findResource(descriptor, { name: 'chart' }), undefined);
    assert.equal(findResource(descriptor, { name: 'cli', os: 'linux' }), undefined);
    assert.equal(findResource(descriptor, { name: 'nope' }), undefined);
    assert.equal(
      findSource({ ...descriptor, component: { ...descriptor.component, sources: null } }, { name: 'src' }),
      undefined,
    );
  });
});
