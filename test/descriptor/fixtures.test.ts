/** Every descriptor the Go tools wrote into test/fixtures reads, validates and round-trips. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkDescriptor,
  findResource,
  localBlobAccess,
  ociImageAccess,
  parseDescriptor,
  serialiseDescriptor,
} from '../../src/descriptor/index.js';
import { allFixtureDescriptors, ctfDescriptors } from './fixture-descriptors.js';

describe('fixture descriptors', () => {
  const all = allFixtureDescriptors();

  it('finds the eight fixture descriptors (six in CTFs, two plain files)', () => {
    assert.equal(all.length, 8);
    assert.equal(ctfDescriptors().length, 6);
    assert.equal(new Set(all.map((d) => d.bytes.toString('hex'))).size, 8, 'all different');
  });

  for (const { label, bytes } of all) {
    describe(label, () => {
      it('parses strictly (schema and extra rules) from bytes and from a string', () => {
        const d = parseDescriptor(bytes);
        assert.equal(d.meta.schemaVersion, 'v2');
        assert.match(d.component.name, /\//);
        assert.deepEqual(parseDescriptor(bytes.toString('utf8'), { format: 'yaml' }), d);
        assert.deepEqual(checkDescriptor(d), []);
      });

      it('round-trips through YAML and JSON', () => {
        const d = parseDescriptor(bytes);
        const yaml = serialiseDescriptor(d);
        assert.deepEqual(parseDescriptor(yaml, { format: 'yaml' }), d);
        const json = serialiseDescriptor(d, { format: 'json' });
        assert.doesNotMatch(json, /\n/);
        assert.deepEqual(parseDescriptor(json, { format: 'json' }), d);
        assert.deepEqual(parseDescriptor(json), d, 'format detection picks JSON');
        // Our YAML is a fixed point: writing what we read back gives the same bytes.
        assert.equal(serialiseDescriptor(parseDescriptor(yaml)), yaml);
      });
    });
  }

  it('writes the CTF descriptors byte for byte as the Go writer did', () => {
    for (const { label, bytes } of ctfDescriptors()) {
      assert.equal(serialiseDescriptor(parseDescriptor(bytes)), bytes.toString('utf8'), label);
    }
  });

  it('reads the helloworld descriptor as the fixture README describes it', () => {
    const hello = ctfDescriptors()[0];
    assert.ok(hello);
    const d = parseDescriptor(hello.bytes);
    assert.equal(d.component.name, 'github.com/acme.org/helloworld');
    assert.equal(d.component.version, '1.0.0');
    assert.equal(d.component.provider, 'acme.org');
    assert.equal(d.component.creationTime, '2025-03-18T09:44:42Z');
    const resource = findResource(d, { name: 'resource' });
    assert.ok(resource);
    assert.equal(resource.type, 'something');
    assert.equal(resource.version, '6.7.1');
    const access = localBlobAccess(resource.access);
    assert.deepEqual(access, {
      type: 'localBlob',
      localReference: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      mediaType: 'application/octet-stream',
      referenceName: undefined,
      globalAccess: undefined,
    });
  });

  it('reads the OCI artifact variants: by reference and as a local blob with a referenceName', () => {
    const [, withResource, withoutResource] = ctfDescriptors();
    assert.ok(withResource && withoutResource);
    const embedded = parseDescriptor(withResource.bytes).component.resources?.[0];
    assert.equal(localBlobAccess(embedded!.access)?.referenceName, 'jakobmoellerdev/podinfo/podinfo:6.7.1');
    const byReference = parseDescriptor(withoutResource.bytes).component.resources?.[0];
    assert.equal(localBlobAccess(byReference!.access), undefined);
    assert.equal(
      ociImageAccess(byReference!.access)?.imageReference,
      'ghcr.io/jakobmoellerdev/podinfo/podinfo:6.7.1',
    );
  });

  it('tells apart the shared-blob resources by implicit and explicit version identities', () => {
    const shared = ctfDescriptors()[3];
    assert.ok(shared);
    const d = parseDescriptor(shared.bytes);
    assert.equal(findResource(d, { name: 'multi-implicit', version: 'v2' }), d.component.resources?.[1]);
    assert.equal(findResource(d, { name: 'multi-explicit', version: 'v2' }), d.component.resources?.[3]);
    // Two resources share name multi-implicit: without the version the identity is ambiguous.
    assert.equal(findResource(d, { name: 'multi-implicit' }), undefined);
  });
});
