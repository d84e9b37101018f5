/** Access types: every accepted spelling, and the typed views of LocalBlob and OCIImage. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACCESS_TYPE_ALIASES,
  AccessType,
  InvalidDescriptorError,
  isAccessType,
  localBlobAccess,
  localBlobParts,
  normaliseAccessType,
  ociImageAccess,
} from '../../src/descriptor/index.js';

describe('access type spellings', () => {
  const table: Array<[string, string[]]> = [
    [AccessType.LocalBlob, ['LocalBlob/v1', 'LocalBlob', 'localBlob', 'localBlob/v1']],
    [
      AccessType.OCIImage,
      [
        'OCIImage/v1',
        'OCIImage',
        'ociArtifact',
        'ociArtifact/v1',
        'ociRegistry',
        'ociRegistry/v1',
        'ociImage',
        'ociImage/v1',
        'OCIArtifact',
        'OCIArtifact/v1',
      ],
    ],
    [AccessType.OCIImageLayer, ['OCIImageLayer/v1', 'OCIImageLayer', 'ociBlob', 'ociBlob/v1']],
    [AccessType.Helm, ['Helm', 'Helm/v1', 'helm', 'helm/v1']],
    [AccessType.GitHub, ['GitHub', 'GitHub/v1', 'gitHub', 'gitHub/v1', 'github', 'github/v1']],
    [AccessType.S3, ['S3', 'S3/v1', 's3', 's3/v1']],
    [AccessType.NPM, ['NPM', 'NPM/v1', 'npm', 'npm/v1']],
    [AccessType.Wget, ['Wget', 'Wget/v1', 'wget', 'wget/v1']],
    [AccessType.None, ['none', 'None', 'none/v1', 'None/v1']],
    [AccessType.LocalFilesystemBlob, ['localFilesystemBlob', 'localFilesystemBlob/v1']],
  ];
  for (const [canonical, spellings] of table) {
    it(`normalises every spelling of ${canonical}`, () => {
      for (const spelling of spellings) {
        assert.equal(normaliseAccessType(spelling), canonical, spelling);
        assert.equal(isAccessType(spelling, canonical as never), true, spelling);
      }
      assert.deepEqual(
        [...(ACCESS_TYPE_ALIASES[canonical as keyof typeof ACCESS_TYPE_ALIASES] ?? [])].sort(),
        [...spellings].sort(),
      );
    });
  }

  it('keeps unknown types and versions, adding the implicit v1', () => {
    assert.equal(normaliseAccessType('acme.org.custom'), 'acme.org.custom/v1');
    assert.equal(normaliseAccessType('custom'), 'custom/v1');
    assert.equal(normaliseAccessType('custom/v2alpha1'), 'custom/v2alpha1');
    assert.equal(normaliseAccessType('localBlob/v2'), 'LocalBlob/v2');
    assert.equal(normaliseAccessType('LOCALBLOB'), 'LOCALBLOB/v1');
    assert.equal(normaliseAccessType('toString'), 'toString/v1');
    assert.equal(isAccessType({ type: 'localBlob/v2' }, AccessType.LocalBlob), false);
    assert.equal(isAccessType({ type: 'ociBlob' }, AccessType.OCIImage), false);
  });
});

describe('typed access views', () => {
  it('reads a LocalBlob with all its fields, nested global access included', () => {
    const globalAccess = { type: 'ociBlob', ref: 'ghcr.io/acme/x', digest: 'sha256:ab', size: 4 };
    const view = localBlobAccess({
      type: 'LocalBlob/v1',
      localReference: 'sha256:ab',
      mediaType: 'application/octet-stream',
      referenceName: 'acme/x:1.0',
      globalAccess,
      extra: 'ignored',
    });
    assert.deepEqual(view, {
      type: 'LocalBlob/v1',
      localReference: 'sha256:ab',
      mediaType: 'application/octet-stream',
      referenceName: 'acme/x:1.0',
      globalAccess,
    });
    assert.deepEqual(localBlobParts(view!), ['sha256:ab']);
  });

  it('splits a multi-part localReference', () => {
    const view = localBlobAccess({
      type: 'localBlob',
      localReference: 'sha256:aa,sha256:bb',
      mediaType: 'application/octet-stream',
    });
    assert.deepEqual(localBlobParts(view!), ['sha256:aa', 'sha256:bb']);
  });

  it('tolerates a missing mediaType (ocm1 omits it) and answers undefined for other types', () => {
    assert.equal(localBlobAccess({ type: 'localBlob', localReference: 'x' })?.mediaType, undefined);
    assert.equal(localBlobAccess({ type: 'ociArtifact', imageReference: 'x' }), undefined);
    assert.equal(ociImageAccess({ type: 'localBlob', localReference: 'x' }), undefined);
  });

  it('refuses a LocalBlob with malformed fields', () => {
    assert.throws(
      () => localBlobAccess({ type: 'localBlob' }),
      (e: unknown) => e instanceof InvalidDescriptorError && e.issues[0]?.path === 'access.localReference',
    );
    assert.throws(
      () => localBlobAccess({ type: 'localBlob', localReference: 'x', mediaType: 5 }),
      InvalidDescriptorError,
    );
    assert.throws(
      () => localBlobAccess({ type: 'localBlob', localReference: 'x', globalAccess: 'no' }),
      (e: unknown) => e instanceof InvalidDescriptorError && e.issues[0]?.path === 'access.globalAccess',
    );
  });

  it('reads an OCIImage reference under any alias', () => {
    for (const type of ['ociArtifact', 'OCIImage/v1', 'ociRegistry', 'OCIArtifact']) {
      assert.deepEqual(ociImageAccess({ type, imageReference: 'ghcr.io/a/b:1@sha256:ab' }), {
        type,
        imageReference: 'ghcr.io/a/b:1@sha256:ab',
      });
    }
    assert.throws(() => ociImageAccess({ type: 'ociArtifact' }), InvalidDescriptorError);
  });
});
