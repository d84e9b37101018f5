/**
 * The one graph walker (`src/oci/graph.ts`): successors of manifests and indexes, and the
 * children-first walk that copies, OCI layouts and transfers use.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { InvalidManifestError } from '../../src/oci/errors.js';
import { type FetchManifest, graphNodes, successors, walkGraph } from '../../src/oci/graph.js';
import { MediaType } from '../../src/oci/mediatype.js';
import { type Blob, blob, imageIndex, manifest } from '../support/content.js';

/** A fetcher over a fixed set of blobs that records what it was asked for. */
function fetcherOf(...blobs: Blob[]): { fetch: FetchManifest; asked: string[] } {
  const byDigest = new Map(blobs.map((b) => [b.descriptor.digest, b.bytes]));
  const asked: string[] = [];
  return {
    asked,
    fetch: async (d: Descriptor) => {
      asked.push(d.digest);
      const bytes = byDigest.get(d.digest);
      if (!bytes) throw new Error(`unknown ${d.digest}`);
      return bytes;
    },
  };
}

describe('successors', () => {
  it('a manifest: config, then layers in order; an index: its manifests; a blob: none', () => {
    const [a, b] = [blob('a'), blob('b')];
    const config = blob('{"x":1}', 'application/vnd.test.config+json');
    const m = manifest([a, b], config);
    assert.deepEqual(successors(m.bytes, MediaType.ImageManifest), [
      config.descriptor,
      a.descriptor,
      b.descriptor,
    ]);
    const m2 = manifest([b]);
    const i = imageIndex([m, m2]);
    assert.deepEqual(successors(i.bytes, MediaType.ImageIndex), [m.descriptor, m2.descriptor]);
    assert.deepEqual(successors(a.bytes, MediaType.OctetStream), []);
  });

  it('malformed manifest bytes are InvalidManifestError', () => {
    assert.throws(
      () => successors(new TextEncoder().encode('{"schemaVersion":2}'), MediaType.ImageManifest),
      InvalidManifestError,
    );
    assert.throws(
      () => successors(new TextEncoder().encode('not json'), MediaType.ImageIndex),
      InvalidManifestError,
    );
  });
});

describe('walkGraph', () => {
  it('yields every node once, children before the manifest that names them, root last', async () => {
    const shared = blob('shared');
    const config = blob('{}', MediaType.Empty);
    const m1 = manifest([shared, blob('one')], config);
    const m2 = manifest([shared, blob('two')], config);
    const root = imageIndex([m1, m2]);
    const { fetch, asked } = fetcherOf(root, m1, m2);
    const nodes = await graphNodes(root.descriptor, fetch);
    const order = nodes.map((n) => n.descriptor.digest);
    assert.equal(new Set(order).size, order.length, 'each digest once');
    assert.equal(order.length, 7, 'index, 2 manifests, config, shared, one, two');
    assert.equal(order.at(-1), root.descriptor.digest);
    for (const [parent, kids] of [
      [m1, successors(m1.bytes, MediaType.ImageManifest)],
      [m2, successors(m2.bytes, MediaType.ImageManifest)],
      [root, [m1.descriptor, m2.descriptor]],
    ] as const) {
      for (const kid of kids)
        assert.ok(order.indexOf(kid.digest) < order.indexOf(parent.descriptor.digest), 'child before parent');
    }
    // Manifests come with the bytes fetched, blobs without; only manifests were fetched.
    assert.deepEqual(
      nodes.filter((n) => n.bytes).map((n) => n.descriptor.digest),
      [m1.descriptor.digest, m2.descriptor.digest, root.descriptor.digest],
    );
    assert.deepEqual(asked, [root.descriptor.digest, m1.descriptor.digest, m2.descriptor.digest]);
    assert.deepEqual(Buffer.from(nodes.at(-1)!.bytes!), Buffer.from(root.bytes));
  });

  it('a blob root is the only node and is not fetched', async () => {
    const b = blob('alone');
    const { fetch, asked } = fetcherOf();
    assert.deepEqual(await graphNodes(b.descriptor, fetch), [{ descriptor: b.descriptor }]);
    assert.deepEqual(asked, []);
  });

  it('prune leaves a manifest and its subtree out, unfetched', async () => {
    const m1 = manifest([blob('one')]);
    const m2 = manifest([blob('two')]);
    const root = imageIndex([m1, m2]);
    const { fetch, asked } = fetcherOf(root, m1, m2);
    const nodes = await graphNodes(root.descriptor, fetch, {
      prune: (d) => d.digest === m1.descriptor.digest,
    });
    const order = nodes.map((n) => n.descriptor.digest);
    assert.ok(!order.includes(m1.descriptor.digest));
    assert.ok(!order.includes(blob('one').descriptor.digest));
    assert.ok(order.includes(blob('two').descriptor.digest));
    assert.ok(!asked.includes(m1.descriptor.digest));
  });

  it('an aborted signal ends the walk with its reason; a fetch failure propagates', async () => {
    const m = manifest([blob('x')]);
    const root = imageIndex([m]);
    const { fetch } = fetcherOf(root, m);
    const controller = new AbortController();
    const walk = walkGraph(root.descriptor, fetch, { signal: controller.signal });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const node of walk) {
          seen.push(node.descriptor.digest);
          controller.abort(new Error('stop here'));
        }
      })(),
      /stop here/,
    );
    assert.equal(seen.length, 1);
    const missing = fetcherOf(root); // m is not there
    await assert.rejects(graphNodes(root.descriptor, missing.fetch), /unknown/);
  });
});
