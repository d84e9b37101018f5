/**
 * Signing and verifying stored component versions (issue 7), the same on every backend: sign,
 * promote by alias, verify through the alias; aliases never touch the signature digest; tampered
 * content, changed references, wrong keys and unknown signature names fail with typed errors.
 */
import assert from 'node:assert/strict';
import { constants, createPublicKey, verify as cryptoVerify, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import type { DescriptorV2, Resource } from '../../src/descriptor/index.js';
import type { StoreProvider } from '../../src/oci/content/storage.js';
import {
  OcmRepository,
  StaleAliasError,
  signComponentVersion,
  verifyComponentVersion,
} from '../../src/repository/index.js';
import {
  DescriptorDigestMismatchError,
  digestDescriptor,
  ElementDigestMismatchError,
  MissingDigestError,
  RSASSA_PKCS1_V1_5,
  SignatureNotFoundError,
  SignatureVerificationError,
  sameDigest,
  signDescriptor,
} from '../../src/signing/index.js';
import { COMPONENT as C, descriptor, resource } from '../support/descriptors.js';

export interface SigningBackend {
  readonly provider: StoreProvider;
  readonly prefix: string;
  /** Overwrites the stored bytes of blob `digest` with other bytes of the same length; absent where impossible. */
  readonly tamper?: (digest: string) => Promise<void>;
  /**
   * Whether `err` is how this backend reports the tampered blob `digest`. Default: verification
   * names the resource (`ElementDigestMismatchError`). An archive refuses the whole file instead.
   */
  readonly tampered?: (err: unknown, digest: string) => boolean;
  close(): Promise<void>;
}

/** PEM text, as the CLI passes what it read from key files. */
export const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const otherKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});

const CHILD = 'example.com/shop/payment';
export const BLOB = 'the checkout service binary, version 1';

/**
 * Stores `component:version` with a local blob resource (its digest removed when `digest` is false,
 * so signing must compute it), an `ociArtifact` by reference with a stored digest, and a `none`.
 */
export async function addVersion(
  repo: OcmRepository,
  version: string,
  options: {
    component?: string;
    content?: string;
    digest?: boolean;
    references?: DescriptorV2['component']['componentReferences'];
    replace?: boolean;
  } = {},
): Promise<{ digest: string; blobDigest: string }> {
  const component = options.component ?? C;
  const local = await repo.addLocalResource(component, resource('blob', { type: 'plainText' }), {
    content: new TextEncoder().encode(options.content ?? BLOB),
    mediaType: 'text/plain',
  });
  const blobDigest = String(local.access.localReference);
  if (options.digest === false) delete local.digest;
  const image: Resource = resource('image', {
    type: 'ociImage',
    relation: 'external',
    access: { type: 'ociArtifact', imageReference: 'ghcr.io/acme/checkout:1.0.0' },
    digest: {
      hashAlgorithm: 'SHA-256',
      normalisationAlgorithm: 'ociArtifactDigest/v1',
      value: 'a'.repeat(64),
    },
  });
  const d = descriptor(version, { name: component, resources: [local, image, resource('notes')] });
  d.component.componentReferences = options.references ?? [];
  const added = await repo.addComponentVersion(d, options.replace ? { conflict: 'replace' } : {});
  return { digest: added.digest, blobDigest };
}

async function signatureDigest(repo: OcmRepository, name: string, component = C) {
  const { descriptor: d } = await repo.getComponentVersion(component, name);
  assert.equal(d.signatures?.length, 1);
  return d.signatures![0]!.digest;
}

export function signingSuite(
  label: string,
  open: () => Promise<SigningBackend>,
  options: { tamper: boolean },
): void {
  describe(`signing stored component versions: ${label}`, () => {
    async function withRepo(fn: (repo: OcmRepository, backend: SigningBackend) => Promise<void>) {
      const backend = await open();
      try {
        await fn(new OcmRepository(backend.provider, { prefix: backend.prefix }), backend);
      } finally {
        await backend.close();
      }
    }

    it('sign -> staging -> prod from staging -> verify through prod; alias operations never touch the signature digest', () =>
      withRepo(async (repo) => {
        const { digest: unsigned } = await addVersion(repo, '1.0.0', { digest: false });
        await addVersion(repo, '2.0.0');
        const signed = await signComponentVersion(repo, C, '1.0.0', {
          name: 'acme',
          privateKey: Buffer.from(keys.privateKey),
        });
        assert.equal(signed.version, '1.0.0');
        assert.equal(signed.previousDigest, unsigned);
        assert.notEqual(
          signed.digest,
          unsigned,
          're-pushing the signed descriptor changes the manifest digest',
        );
        assert.deepEqual(signed.movedAliases, []);
        assert.deepEqual(
          signed.resources.map((r) => [r.identity.name, r.check]),
          [
            ['blob', 'computed'],
            ['image', 'stored'],
            ['notes', 'none'],
          ],
        );
        // The computed blob digest is stored in the signed descriptor.
        const stored = (await repo.getComponentVersion(C, '1.0.0')).descriptor;
        assert.equal(stored.component.resources?.[0]?.digest?.normalisationAlgorithm, 'genericBlobDigest/v1');
        assert.equal(stored.signatures?.[0]?.signature.algorithm, 'RSASSA-PSS');

        const first = await signatureDigest(repo, '1.0.0');
        assert.ok(sameDigest(first, signed.signature.digest));
        const unchanged = async (name: string) =>
          assert.deepEqual(await signatureDigest(repo, name), first, `signature digest through ${name}`);

        await repo.addComponentVersionAlias(C, '1.0.0', 'staging');
        await unchanged('staging');
        await repo.addComponentVersionAlias(C, 'staging', 'prod');
        await unchanged('prod');
        await unchanged('1.0.0');
        await repo.addComponentVersionAlias(C, '2.0.0', 'dev');
        await repo.addComponentVersionAlias(C, 'prod', 'dev', { expect: '2.0.0' }); // move
        await unchanged('dev');
        await repo.removeComponentVersionAlias(C, 'staging');
        await unchanged('prod');
        await unchanged('1.0.0');

        const verified = await verifyComponentVersion(repo, C, 'prod', { publicKey: keys.publicKey });
        assert.equal(verified.requested, 'prod');
        assert.equal(verified.version, '1.0.0');
        assert.equal(verified.kind, 'alias');
        assert.equal(verified.digest, signed.digest);
        assert.equal(verified.signature.name, 'acme');
        assert.equal(verified.signature.algorithm, 'RSASSA-PSS');
        assert.deepEqual(verified.signature.digest, first);
        assert.deepEqual(
          verified.resources.map((r) => [r.identity.name, r.check]),
          [
            ['blob', 'content'],
            ['image', 'stored'],
            ['notes', 'none'],
          ],
        );
      }));

    it('moves the aliases of the old digest with the signed version and reports them; other aliases stay', () =>
      withRepo(async (repo) => {
        await addVersion(repo, '1.0.0');
        const { digest: other } = await addVersion(repo, '2.0.0', { content: 'other' });
        await repo.addComponentVersionAlias(C, '1.0.0', 'staging');
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        await repo.addComponentVersionAlias(C, '2.0.0', 'dev');

        const signed = await signComponentVersion(repo, C, 'staging', {
          name: 'acme',
          privateKey: keys.privateKey,
        });
        assert.equal(signed.requested, 'staging');
        assert.equal(signed.kind, 'alias');
        assert.deepEqual(signed.movedAliases, ['prod', 'staging']);
        const aliases = await repo.listComponentVersionAliases(C);
        assert.deepEqual(
          aliases.map((a) => [a.alias, a.version, a.digest]),
          [
            ['dev', '2.0.0', other],
            ['prod', '1.0.0', signed.digest],
            ['staging', '1.0.0', signed.digest],
          ],
        );
        assert.equal((await repo.resolveComponentVersion(C, '1.0.0')).digest, signed.digest);
        assert.equal((await repo.resolveComponentVersion(C, '2.0.0')).digest, other);
        await verifyComponentVersion(repo, C, 'prod', { publicKey: keys.publicKey });
        // 2.0.0 was never signed.
        await assert.rejects(
          verifyComponentVersion(repo, C, 'dev', { publicKey: keys.publicKey }),
          SignatureNotFoundError,
        );
      }));

    it('refuses to sign through an alias left on an earlier content of its version', () =>
      withRepo(async (repo) => {
        const { digest: old } = await addVersion(repo, '1.0.0');
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        const { digest: now } = await addVersion(repo, '1.0.0', { content: 'newer', replace: true });
        await assert.rejects(
          signComponentVersion(repo, C, 'prod', { name: 'acme', privateKey: keys.privateKey }),
          (err: unknown) =>
            err instanceof StaleAliasError &&
            err.message.includes(old) &&
            err.message.includes(now) &&
            // The hint names the command that moves the alias (`ocm tag cv`), with this version and alias.
            (err.hint ?? '').includes(`ocm tag cv REPOSITORY//${C}:1.0.0 prod`),
        );
        assert.equal((await repo.resolveComponentVersion(C, '1.0.0')).digest, now, 'nothing was written');
        assert.equal((await repo.resolveComponentVersion(C, 'prod')).digest, old);
      }));

    it('wrong public key and unknown signature name fail with typed errors', () =>
      withRepo(async (repo) => {
        await addVersion(repo, '1.0.0');
        await signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey });
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        await assert.rejects(
          verifyComponentVersion(repo, C, 'prod', { publicKey: otherKeys.publicKey }),
          (err: unknown) => err instanceof SignatureVerificationError && err.signatureName === 'acme',
        );
        await assert.rejects(
          verifyComponentVersion(repo, C, 'prod', { name: 'nobody', publicKey: keys.publicKey }),
          (err: unknown) =>
            err instanceof SignatureNotFoundError &&
            err.signatureName === 'nobody' &&
            err.message.includes('"acme"'),
        );
        // A second signature under another name: both verify by name, neither without one.
        await signComponentVersion(repo, C, 'prod', { name: 'other', privateKey: otherKeys.privateKey });
        assert.equal(
          (await verifyComponentVersion(repo, C, 'prod', { name: 'acme', publicKey: keys.publicKey }))
            .signature.name,
          'acme',
        );
        await verifyComponentVersion(repo, C, 'prod', { name: 'other', publicKey: otherKeys.publicKey });
        await assert.rejects(verifyComponentVersion(repo, C, 'prod', { publicKey: keys.publicKey }), {
          code: 'SIGNATURE_AMBIGUOUS',
        });
      }));

    it('a signed field changed after signing fails with DescriptorDigestMismatchError', () =>
      withRepo(async (repo) => {
        await addVersion(repo, '1.0.0');
        await signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey });
        const { descriptor: d } = await repo.getComponentVersion(C, '1.0.0');
        d.component.provider = 'evil.org';
        await repo.addComponentVersion(d, { conflict: 'replace' });
        await assert.rejects(
          verifyComponentVersion(repo, C, '1.0.0', { publicKey: keys.publicKey }),
          DescriptorDigestMismatchError,
        );
      }));

    it('a resource digest that disagrees with the stored content is refused when signing and when verifying', () =>
      withRepo(async (repo) => {
        await addVersion(repo, '1.0.0');
        const { descriptor: d } = await repo.getComponentVersion(C, '1.0.0');
        const wrong = {
          hashAlgorithm: 'SHA-256',
          normalisationAlgorithm: 'genericBlobDigest/v1',
          value: '0'.repeat(64),
        };
        d.component.resources![0]!.digest = wrong;
        await repo.addComponentVersion(d, { conflict: 'replace' });
        const isBlobMismatch = (err: unknown) =>
          err instanceof ElementDigestMismatchError &&
          err.kind === 'resource' &&
          err.identity.name === 'blob' &&
          err.stored.value === wrong.value &&
          err.message.includes(`${C}:1.0.0`);
        await assert.rejects(
          signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey }),
          isBlobMismatch,
        );
        // Signed anyway by someone (here: the signing core directly, storing what it was given).

        const signed = signDescriptor(d, {
          name: 'acme',
          privateKey: keys.privateKey,
        }) as unknown as DescriptorV2;
        await repo.addComponentVersion(signed, { conflict: 'replace' });
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        await assert.rejects(
          verifyComponentVersion(repo, C, 'prod', { publicKey: keys.publicKey }),
          isBlobMismatch,
        );
      }));

    it('an ociArtifact by reference without digest cannot be signed here (MissingDigestError naming it)', () =>
      withRepo(async (repo) => {
        await addVersion(repo, '1.0.0');
        const { descriptor: d } = await repo.getComponentVersion(C, '1.0.0');
        d.component.resources![1]!.digest = null;
        await repo.addComponentVersion(d, { conflict: 'replace' });
        await assert.rejects(
          signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey }),
          (err: unknown) => err instanceof MissingDigestError && err.identity.name === 'image',
        );
      }));

    it('references: signing digests the referenced version; changing it makes verification of the referrer fail', () =>
      withRepo(async (repo) => {
        await addVersion(repo, '1.0.0', { component: CHILD, content: 'payment v1', digest: false });
        await addVersion(repo, '1.0.0', {
          references: [{ name: 'payment', componentName: CHILD, version: '1.0.0' }],
        });
        const signed = await signComponentVersion(repo, C, '1.0.0', {
          name: 'acme',
          privateKey: keys.privateKey,
        });
        assert.equal(signed.references.length, 1);
        const refDigest = signed.references[0]!.digest;
        assert.equal(refDigest.normalisationAlgorithm, 'jsonNormalisation/v4alpha1');
        assert.match(refDigest.value, /^[0-9a-f]{64}$/);
        const stored = (await repo.getComponentVersion(C, '1.0.0')).descriptor;
        assert.deepEqual(stored.component.componentReferences?.[0]?.digest, refDigest);
        await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
        const ok = await verifyComponentVersion(repo, C, 'prod', { publicKey: keys.publicKey });
        assert.deepEqual(ok.references[0]?.digest, refDigest);

        // Same descriptor text, other content of the child's local blob: its computed digest differs.
        await addVersion(repo, '1.0.0', {
          component: CHILD,
          content: 'payment v2',
          digest: false,
          replace: true,
        });
        const isRefMismatch = (err: unknown) =>
          err instanceof ElementDigestMismatchError &&
          err.kind === 'component reference' &&
          err.identity.name === 'payment' &&
          err.stored.value === refDigest.value;
        await assert.rejects(
          verifyComponentVersion(repo, C, 'prod', { publicKey: keys.publicKey }),
          isRefMismatch,
        );
        // Re-signing does not silently accept the changed child either.
        await assert.rejects(
          signComponentVersion(repo, C, 'prod', { name: 'acme', privateKey: keys.privateKey }),
          isRefMismatch,
        );
      }));

    it('PSS signatures verify and are randomised; PKCS1 signatures are deterministic (re-signing stores nothing new)', () =>
      withRepo(async (repo) => {
        await addVersion(repo, '1.0.0');
        await addVersion(repo, '2.0.0');
        const value = async (v: string) =>
          (await repo.getComponentVersion(C, v)).descriptor.signatures![0]!.signature;

        const pss1 = await signComponentVersion(repo, C, '1.0.0', {
          name: 'acme',
          privateKey: keys.privateKey,
        });
        const s1 = await value('1.0.0');
        assert.equal(s1.mediaType, 'application/vnd.ocm.signature.rsa.pss');
        await verifyComponentVersion(repo, C, '1.0.0', { publicKey: keys.publicKey });
        // Independently of our verifier: node:crypto accepts the stored signature over the stored
        // descriptor with automatic salt length and with the maximum (256 - 32 - 2 bytes, RSA-2048/SHA-256).
        const { normalised } = digestDescriptor((await repo.getComponentVersion(C, '1.0.0')).descriptor);
        for (const saltLength of [constants.RSA_PSS_SALTLEN_AUTO, 222]) {
          const key = { key: keys.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength };
          assert.ok(
            cryptoVerify('sha256', normalised, key, Buffer.from(s1.value, 'hex')),
            `salt ${saltLength}`,
          );
        }
        const short = { key: keys.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
        assert.ok(
          !cryptoVerify('sha256', normalised, short, Buffer.from(s1.value, 'hex')),
          'not hash-length salt',
        );
        // PSS salts are random: the same descriptor signed twice gives two signature values.
        const stored = (await repo.getComponentVersion(C, '1.0.0')).descriptor;
        const again = (d: unknown) =>
          (
            signDescriptor(d, { name: 'other', privateKey: keys.privateKey }) as unknown as typeof stored
          ).signatures!.find((s) => s.name === 'other')!.signature.value;
        assert.notEqual(again(stored), again(stored), 'PSS uses a random salt');
        // Signing again with the same key, name and algorithm (a rerun) stores nothing new.
        const pss2 = await signComponentVersion(repo, C, '1.0.0', {
          name: 'acme',
          privateKey: keys.privateKey,
        });
        assert.equal((await value('1.0.0')).value, s1.value, 'the stored signature stays');
        assert.deepEqual(pss2.signature.digest, pss1.signature.digest);
        assert.equal(pss2.digest, pss1.digest);
        assert.equal(pss2.previousDigest, pss1.digest);
        await verifyComponentVersion(repo, C, '1.0.0', { publicKey: keys.publicKey });

        await repo.addComponentVersionAlias(C, '2.0.0', 'prod');
        const options = { name: 'acme', privateKey: keys.privateKey, algorithm: RSASSA_PKCS1_V1_5 };
        const p1 = await signComponentVersion(repo, C, '2.0.0', options);
        const v1 = await value('2.0.0');
        assert.equal(v1.algorithm, RSASSA_PKCS1_V1_5);
        assert.equal(v1.mediaType, 'application/vnd.ocm.signature.rsa');
        assert.deepEqual(p1.movedAliases, ['prod']);
        const p2 = await signComponentVersion(repo, C, 'prod', options);
        assert.equal((await value('2.0.0')).value, v1.value);
        assert.equal(p2.digest, p1.digest, 'the same signed descriptor is the same manifest');
        assert.equal(p2.previousDigest, p1.digest);
        assert.deepEqual(p2.movedAliases, []);
        const pkcs1Public = createPublicKey(keys.publicKey).export({ type: 'pkcs1', format: 'pem' });
        const verified = await verifyComponentVersion(repo, C, 'prod', { publicKey: pkcs1Public });
        assert.equal(verified.signature.algorithm, RSASSA_PKCS1_V1_5);
        assert.equal(verified.signature.mediaType, 'application/vnd.ocm.signature.rsa');
      }));

    if (!options.tamper) return;
    it('tampering with a stored local blob makes verification through the alias fail, naming what was altered', async () => {
      const backend = await open();
      try {
        assert.ok(backend.tamper);
        const repo = new OcmRepository(backend.provider, { prefix: backend.prefix });
        const { blobDigest } = await addVersion(repo, '1.0.0');
        await signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey });
        await repo.addComponentVersionAlias(C, '1.0.0', 'staging');
        await repo.addComponentVersionAlias(C, 'staging', 'prod');
        await verifyComponentVersion(repo, C, 'prod', { publicKey: keys.publicKey });
        await backend.tamper(blobDigest);
        await assert.rejects(
          verifyComponentVersion(repo, C, 'prod', { publicKey: keys.publicKey }),
          (err: unknown) =>
            backend.tampered
              ? backend.tampered(err, blobDigest)
              : err instanceof ElementDigestMismatchError &&
                err.kind === 'resource' &&
                err.identity.name === 'blob' &&
                err.message.includes(`${C}:1.0.0 (prod)`) &&
                err.message.includes(blobDigest),
        );
      } finally {
        await backend.close();
      }
    });
  });
}
