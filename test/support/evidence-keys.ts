import { generateKeyPairSync, type KeyObject } from 'node:crypto';

/** One key pair of each kind evidence accepts, with PEM texts. */
export interface TestKey {
  readonly type: 'ecdsa-p256' | 'ed25519' | 'rsa';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly privatePem: string;
  readonly publicPem: string;
}

export function testKey(type: TestKey['type']): TestKey {
  const pair =
    type === 'ecdsa-p256'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : type === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type,
    ...pair,
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export const KEY_TYPES = ['ecdsa-p256', 'ed25519', 'rsa'] as const;

/** A PEM text indented for a YAML block scalar. */
export function indentPem(pem: string, spaces: number): string {
  return pem
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(spaces)}${l}\n`)
    .join('');
}

/**
 * The stages document of the evidence tests: staging from dev; prod from staging, needing a passing
 * e2e run in staging signed by ci and 2 approvals from alice, bob and carol. `trust` names the keys;
 * `stagingMovers`, when given, are the only ones whose signed moves of staging count (`movers`).
 */
export function evidenceStagesDocument(
  trust: Readonly<Record<string, string>>,
  stagingMovers?: readonly string[],
): string {
  const entries = Object.entries(trust)
    .map(([name, pem]) => `  - name: ${name}\n    publicKey: |\n${indentPem(pem, 6)}`)
    .join('');
  return `trust:
${entries}stages:
  - name: dev
  - name: staging
    from: dev
${stagingMovers === undefined ? '' : `    movers: [${stagingMovers.join(', ')}]\n`}  - name: prod
    from: staging
    checks:
      - name: e2e
        by: [ci]
        stage: staging
    approvals:
      count: 2
      by: [alice, bob, carol]
`;
}
