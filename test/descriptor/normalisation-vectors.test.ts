import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { normaliseToString } from '../../src/descriptor/normalisation/index.js';

/*
 * Vectors from the Go implementations' own tests (Apache-2.0, open-component-model):
 * ocm2 bindings/go/descriptor/normalisation/json/v4alpha1/normalisation_test.go (TestNormalization)
 * and ocm1 api/ocm/compdesc/norm_test.go (CD1, CD2, CD3 and the expected strings), see
 * docs/formats.md (normalisation). Inputs and expected outputs are data, copied verbatim.
 */

const introspect = `
component:
  componentReferences: []
  name: github.com/vasu1124/introspect
  provider: internal
  repositoryContexts:
  - baseUrl: ghcr.io/vasu1124/ocm
    componentNameMapping: urlPath
    type: ociRegistry
  resources:
  - access:
      localReference: sha256:7f0168496f273c1e2095703a050128114d339c580b0906cd124a93b66ae471e2
      mediaType: application/vnd.docker.distribution.manifest.v2+tar+gzip
      referenceName: vasu1124/introspect:1.0.0
      type: localBlob
    digest:
      hashAlgorithm: SHA-256
      normalisationAlgorithm: ociArtifactDigest/v1
      value: 6a1c7637a528ab5957ab60edf73b5298a0a03de02a96be0313ee89b22544840c
    labels:
    - name: label1
      value: foo
    - name: label2
      value: bar
      signing: true
      mergeAlgorithm: test
    name: introspect-image
    relation: local
    type: ociImage
    version: 1.0.0
  - access:
      localReference: sha256:d1187ac17793b2f5fa26175c21cabb6ce388871ae989e16ff9a38bd6b32507bf
      mediaType: ""
      type: localBlob
    digest:
      hashAlgorithm: SHA-256
      normalisationAlgorithm: genericBlobDigest/v1
      value: d1187ac17793b2f5fa26175c21cabb6ce388871ae989e16ff9a38bd6b32507bf
    name: introspect-blueprint
    relation: local
    type: landscaper.gardener.cloud/blueprint
    version: 1.0.0
  - access:
      localReference: sha256:4186663939459149a21c0bb1cd7b8ff86e0021b29ca45069446d046f808e6bfe
      mediaType: application/vnd.oci.image.manifest.v1+tar+gzip
      referenceName: vasu1124/helm/introspect-helm:0.1.0
      type: localBlob
    digest:
      hashAlgorithm: SHA-256
      normalisationAlgorithm: ociArtifactDigest/v1
      value: 6229be2be7e328f74ba595d93b814b590b1aa262a1b85e49cc1492795a9e564c
    name: introspect-helm
    relation: external
    type: helm
    version: 0.1.0
  sources:
  - access:
      repository: github.com/vasu1124/introspect
      type: git
    name: introspect
    type: git
    version: 1.0.0
  version: 1.0.0
meta:
  schemaVersion: v2
`;

const jcsExpected =
  '{"component":{"componentReferences":[],"name":"github.com/vasu1124/introspect","provider":{"name":"internal"},' +
  '"resources":[{"digest":{"hashAlgorithm":"SHA-256","normalisationAlgorithm":"ociArtifactDigest/v1","value":"6a1c7637a528ab5957ab60edf73b5298a0a03de02a96be0313ee89b22544840c"},' +
  '"labels":[{"name":"label2","signing":true,"value":"bar"}],"name":"introspect-image","relation":"local","type":"ociImage","version":"1.0.0"},' +
  '{"digest":{"hashAlgorithm":"SHA-256","normalisationAlgorithm":"genericBlobDigest/v1","value":"d1187ac17793b2f5fa26175c21cabb6ce388871ae989e16ff9a38bd6b32507bf"},' +
  '"name":"introspect-blueprint","relation":"local","type":"landscaper.gardener.cloud/blueprint","version":"1.0.0"},' +
  '{"digest":{"hashAlgorithm":"SHA-256","normalisationAlgorithm":"ociArtifactDigest/v1","value":"6229be2be7e328f74ba595d93b814b590b1aa262a1b85e49cc1492795a9e564c"},' +
  '"name":"introspect-helm","relation":"external","type":"helm","version":"0.1.0"}],' +
  '"sources":[{"name":"introspect","type":"git","version":"1.0.0"}],"version":"1.0.0"}}';

const v1Resources =
  '[{"digest":[{"hashAlgorithm":"SHA-256"},{"normalisationAlgorithm":"ociArtifactDigest/v1"},{"value":"6a1c7637a528ab5957ab60edf73b5298a0a03de02a96be0313ee89b22544840c"}]},' +
  '{"extraIdentity":null},{"labels":[[{"name":"label2"},{"signing":true},{"value":"bar"}]]},{"name":"introspect-image"},{"relation":"local"},{"type":"ociImage"},{"version":"1.0.0"}],' +
  '[{"digest":[{"hashAlgorithm":"SHA-256"},{"normalisationAlgorithm":"genericBlobDigest/v1"},{"value":"d1187ac17793b2f5fa26175c21cabb6ce388871ae989e16ff9a38bd6b32507bf"}]},' +
  '{"extraIdentity":null},{"name":"introspect-blueprint"},{"relation":"local"},{"type":"landscaper.gardener.cloud/blueprint"},{"version":"1.0.0"}],' +
  '[{"digest":[{"hashAlgorithm":"SHA-256"},{"normalisationAlgorithm":"ociArtifactDigest/v1"},{"value":"6229be2be7e328f74ba595d93b814b590b1aa262a1b85e49cc1492795a9e564c"}]},' +
  '{"extraIdentity":null},{"name":"introspect-helm"},{"relation":"external"},{"type":"helm"},{"version":"0.1.0"}]';
const v1Wrap = (resources: string) =>
  '[{"component":[{"componentReferences":[]},{"name":"github.com/vasu1124/introspect"},{"provider":"internal"},' +
  `{"resources":[${resources}]},{"version":"1.0.0"}]},{"meta":[{"schemaVersion":"v2"}]}]`;

// biome-ignore lint/suspicious/noExplicitAny: descriptors parsed from YAML
const load = (): any => parse(introspect);

/** ocm1's "none" resource appended in its tests (access type none, a digest that must vanish). */
const withNone = () => {
  const cd = load();
  cd.component.resources.push({
    name: 'none',
    version: 'v1',
    type: 'plainText',
    relation: 'local',
    access: { type: 'none' },
    digest: { hashAlgorithm: 'x', normalisationAlgorithm: 'y', value: 'z' },
  });
  return cd;
};

describe('introspect vectors (ocm2 TestNormalization, ocm1 norm_test)', () => {
  for (const algorithm of ['jsonNormalisation/v4alpha1', 'jsonNormalisation/v3', 'jsonNormalisation/v2']) {
    it(`${algorithm} equals the Go expectation`, () => {
      const text = normaliseToString(load(), algorithm);
      assert.equal(text, jcsExpected);
      assert.equal(
        createHash('sha256').update(text).digest('hex'),
        '2f8f029e45f0e158b7e9a5fa6523be0ae9ab9eadc6f3c7f2e37ebb6d8e79bb01',
      );
    });
  }

  it('jsonNormalisation/v1 equals the Go expectation (current ocm1, extraIdentity: null)', () => {
    assert.equal(normaliseToString(load(), 'jsonNormalisation/v1'), v1Wrap(v1Resources));
  });

  it('jsonNormalisation/v1 ignores access and repository context changes (CD2 ≡ CD1)', () => {
    const cd2 = load();
    cd2.component.repositoryContexts.push({
      baseUrl: 'ghcr.io',
      subPath: 'mandelsoft/cnudie',
      type: 'OCIRegistry',
    });
    cd2.component.resources[0].access.globalAccess = { type: 'ociBlob', size: 29047129, ref: 'ghcr.io/x' };
    delete cd2.component.resources[0].access.referenceName;
    cd2.component.resources[0].labels[1] = { name: 'label2', value: 'bar', signing: true };
    cd2.component.resources[2].access = {
      imageReference: 'ghcr.io/mandelsoft/cnudie/vasu1124/helm/introspect-helm:0.1.0',
      type: 'ociRegistry',
    };
    assert.equal(normaliseToString(cd2, 'jsonNormalisation/v1'), v1Wrap(v1Resources));
  });

  it('a none-access resource stays, without its digest (v1 and v2)', () => {
    const none =
      '[{"extraIdentity":null},{"name":"none"},{"relation":"local"},{"type":"plainText"},{"version":"v1"}]';
    assert.equal(normaliseToString(withNone(), 'jsonNormalisation/v1'), v1Wrap(`${v1Resources},${none}`));
    assert.equal(
      normaliseToString(withNone(), 'jsonNormalisation/v2'),
      jcsExpected.replace(
        '"version":"0.1.0"}]',
        '"version":"0.1.0"},{"name":"none","relation":"local","type":"plainText","version":"v1"}]',
      ),
    );
  });

  const complexProvider = () => {
    const cd = load();
    delete cd.component.componentReferences;
    delete cd.component.resources;
    delete cd.component.sources;
    cd.component.labels = [
      { name: 'volatile', value: 'comp-value1' },
      { name: 'non-volatile', value: 'comp-value2', signing: true },
    ];
    cd.component.provider = JSON.stringify({
      name: 'internal',
      labels: [
        { name: 'volatile', value: 'prov-value1' },
        { name: 'non-volatile', value: 'prov-value2', signing: true },
      ],
    });
    return cd;
  };

  it('complex provider and component labels, v2', () => {
    assert.equal(
      normaliseToString(complexProvider(), 'jsonNormalisation/v2'),
      '{"component":{"componentReferences":[],"labels":[{"name":"non-volatile","signing":true,"value":"comp-value2"}],' +
        '"name":"github.com/vasu1124/introspect","provider":{"labels":[{"name":"non-volatile","signing":true,"value":"prov-value2"}],' +
        '"name":"internal"},"resources":[],"sources":[],"version":"1.0.0"}}',
    );
  });

  it('complex provider and component labels, v1 for a v2 descriptor', () => {
    assert.equal(
      normaliseToString(complexProvider(), 'jsonNormalisation/v1'),
      '[{"component":[{"componentReferences":[]},{"labels":[[{"name":"non-volatile"},{"signing":true},{"value":"comp-value2"}]]},' +
        '{"name":"github.com/vasu1124/introspect"},{"provider":[{"labels":[[{"name":"non-volatile"},{"signing":true},{"value":"prov-value2"}]]},' +
        '{"name":"internal"}]},{"resources":[]},{"version":"1.0.0"}]},{"meta":[{"schemaVersion":"v2"}]}]',
    );
  });

  it('referenceHints are kept (ocm1 CD3, v2)', () => {
    const cd = load();
    cd.component.resources = cd.component.resources.slice(0, 1);
    const hints = [{ type: 'oci', reference: 'vasu1124/introspect:1.0.0' }];
    cd.component.resources[0].referenceHints = hints;
    cd.component.sources[0].referenceHints = hints;
    delete cd.component.repositoryContexts;
    assert.equal(
      normaliseToString(cd, 'jsonNormalisation/v2'),
      '{"component":{"componentReferences":[],"name":"github.com/vasu1124/introspect","provider":{"name":"internal"},' +
        '"resources":[{"digest":{"hashAlgorithm":"SHA-256","normalisationAlgorithm":"ociArtifactDigest/v1","value":"6a1c7637a528ab5957ab60edf73b5298a0a03de02a96be0313ee89b22544840c"},' +
        '"labels":[{"name":"label2","signing":true,"value":"bar"}],"name":"introspect-image",' +
        '"referenceHints":[{"reference":"vasu1124/introspect:1.0.0","type":"oci"}],"relation":"local","type":"ociImage","version":"1.0.0"}],' +
        '"sources":[{"name":"introspect","referenceHints":[{"reference":"vasu1124/introspect:1.0.0","type":"oci"}],"type":"git","version":"1.0.0"}],"version":"1.0.0"}}',
    );
  });
});
