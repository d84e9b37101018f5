/**
 * The stages document of the stage tests: dev; staging from dev; prod from staging after a 24h soak,
 * forward only, signed `release` (with its key when given), frozen over the year end (unless asked
 * not to be).
 */
export function stagesDocument(options: { publicKeyPem?: string; freeze?: boolean } = {}): string {
  const key =
    options.publicKeyPem === undefined
      ? ''
      : `        publicKey: |\n${options.publicKeyPem
          .trim()
          .split('\n')
          .map((l) => `          ${l}\n`)
          .join('')}`;
  const freeze =
    options.freeze === false
      ? ''
      : `    freeze:
      - from: 2026-12-20T00:00:00Z
        until: 2027-01-04T00:00:00Z
        reason: year-end freeze
`;
  return `stages:
  - name: dev
  - name: staging
    from: dev
  - name: prod
    from: staging
    soak: 24h
    forwardOnly: true
    signatures:
      - name: release
${key}${freeze}`;
}

/** dev; staging from dev; prod from staging, automatic (`auto: true`), with `extra` rules of prod. */
export function autoDocument(extra = '', trust = '', options: { auto?: boolean } = {}): string {
  return `${trust}stages:
  - name: dev
  - name: staging
    from: dev
  - name: prod
    from: staging
${options.auto === false ? '' : '    auto: true\n'}${extra}`;
}
