import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { NormalisationError } from '../../src/descriptor/normalisation/index.js';
import { NotFoundError } from '../../src/errors.js';
import {
  componentVersionDigest,
  descriptorDigest,
  digestReferences,
  ElementDigestMismatchError,
  MissingDigestError,
  ReferenceCycleError,
  type ReferenceResolver,
  signDescriptor,
  verifyDescriptor,
  verifyReferenceDigests,
} from '../../src/signing/index.js';

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary descriptor members
type Json = any;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function cd(name: string, refs: { name: string; componentName: string; digest?: unknown }[] = []): Json {
  return {
    meta: { schemaVersion: 'v2' },
    component: {
      name,
      version: '1.0.0',
      provider: 'acme',
      repositoryContexts: [],
      resources: [],
      sources: [],
      componentReferences: refs.map((r) => ({ version: '1.0.0', ...r })),
    },
  };
}

/** An in-memory resolver that counts its calls. */
function resolver(versions: Record<string, Json>): ReferenceResolver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async resolveReference(componentName, version) {
      calls.push(`${componentName}:${version}`);
      const found = versions[componentName];
      if (found === undefined) throw new NotFoundError(`${componentName}:${version}`);
      return structuredClone(found);
    },
  };
}

const leaf = () => cd('acme.org/leaf');
const middle = (digest?: unknown) =>
  cd('acme.org/middle', [{ name: 'leaf', componentName: 'acme.org/leaf', ...(digest ? { digest } : {}) }]);
const root = () =>
  cd('acme.org/root', [
    { name: 'middle', componentName: 'acme.org/middle' },
    { name: 'leaf', componentName: 'acme.org/leaf' },
  ]);

describe('component reference digests', () => {
  it('computes digests recursively, each version resolved once', async () => {
    const r = resolver({ 'acme.org/leaf': leaf(), 'acme.org/middle': middle() });
    const digested: Json = await digestReferences(root(), { resolver: r });
    const leafDigest = descriptorDigest(leaf());
    const middleDigest = descriptorDigest(middle(leafDigest));
    assert.deepEqual(digested.component.componentReferences[0].digest, middleDigest);
    assert.deepEqual(digested.component.componentReferences[1].digest, leafDigest);
    assert.deepEqual([...r.calls].sort(), ['acme.org/leaf:1.0.0', 'acme.org/middle:1.0.0']);
  });

  it('never trusts digests stored in a child', async () => {
    const bogus = {
      hashAlgorithm: 'SHA-256',
      normalisationAlgorithm: 'jsonNormalisation/v4alpha1',
      value: '0'.repeat(64),
    };
    const r = resolver({ 'acme.org/leaf': leaf(), 'acme.org/middle': middle(bogus) });
    const digest = await componentVersionDigest('acme.org/middle', '1.0.0', { resolver: r });
    assert.deepEqual(digest, descriptorDigest(middle(descriptorDigest(leaf()))));
  });

  it('uses the normalisation and hash asked for', async () => {
    const r = resolver({ 'acme.org/leaf': leaf() });
    const digest = await componentVersionDigest('acme.org/leaf', '1.0.0', {
      resolver: r,
      normalisation: 'jsonNormalisation/v1',
      hash: 'SHA-512',
    });
    assert.deepEqual(
      digest,
      descriptorDigest(leaf(), { normalisation: 'jsonNormalisation/v1', hash: 'SHA-512' }),
    );
  });

  it('sign after digesting, then verify the signature and the references; a changed child fails', async () => {
    const versions = { 'acme.org/leaf': leaf(), 'acme.org/middle': middle() };
    const signed = signDescriptor(await digestReferences(root(), { resolver: resolver(versions) }), {
      name: 's',
      privateKey,
    });
    verifyDescriptor(signed, { name: 's', publicKey });
    const counted = resolver(versions);
    await verifyReferenceDigests(signed, { resolver: counted });
    assert.equal(counted.calls.length, 2, 'the leaf, referenced twice, is resolved once');

    const changed = leaf();
    changed.component.provider = 'mallory';
    await assert.rejects(
      verifyReferenceDigests(signed, { resolver: resolver({ ...versions, 'acme.org/leaf': changed }) }),
      (e: unknown) => {
        assert.ok(e instanceof ElementDigestMismatchError);
        assert.equal(e.kind, 'component reference');
        // the middle reference comes first and fails through its own reference to the leaf
        assert.deepEqual(e.identity, { name: 'middle' });
        assert.notEqual(e.stored.value, e.computed.value);
        return true;
      },
    );
  });

  it('verifies reference digests made with the older v1 variant', async () => {
    const stored = descriptorDigest(leaf(), {
      normalisation: 'jsonNormalisation/v1',
      v1ExtraIdentityNull: false,
    });
    const parent = cd('acme.org/p', [{ name: 'leaf', componentName: 'acme.org/leaf', digest: stored }]);
    await verifyReferenceDigests(parent, { resolver: resolver({ 'acme.org/leaf': leaf() }) });
  });

  it('fails on references without digest, cycles and unresolvable versions', async () => {
    await assert.rejects(verifyReferenceDigests(root(), { resolver: resolver({}) }), MissingDigestError);
    const a = cd('acme.org/a', [{ name: 'b', componentName: 'acme.org/b' }]);
    const b = cd('acme.org/b', [{ name: 'a', componentName: 'acme.org/a' }]);
    await assert.rejects(
      digestReferences(a, { resolver: resolver({ 'acme.org/a': a, 'acme.org/b': b }) }),
      (e: unknown) =>
        e instanceof ReferenceCycleError &&
        e.code === 'REFERENCE_CYCLE' &&
        e.chain.join(' ') === 'acme.org/b:1.0.0 acme.org/a:1.0.0 acme.org/b:1.0.0',
    );
    await assert.rejects(digestReferences(root(), { resolver: resolver({}) }), NotFoundError);
    const broken = resolver({ 'acme.org/leaf': 'not a descriptor', 'acme.org/middle': middle() });
    await assert.rejects(digestReferences(root(), { resolver: broken }), NormalisationError);
  });
});
