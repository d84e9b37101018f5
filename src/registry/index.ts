/**
 * The OCI distribution-spec client: `RegistryStore` implements the content interfaces of
 * `oci/content` for any registry (CNCF Distribution, Harbor, Zot, GHCR, ECR, Docker Hub), with
 * Basic and Bearer auth, docker `config.json` credentials, retries and typed errors.
 *
 *     const store = new RegistryStore({ host: 'ghcr.io', credentials: dockerConfigCredentials({ env }) });
 *     const repo = store.repository('acme/component-descriptors/x');
 *     await repo.resolve('1.0.0');
 *     await store.close();
 */
export { Authenticator, type AuthenticatorOptions } from './auth/authenticator.js';
export { type Challenge, parseChallenge } from './auth/challenge.js';
export { type Credential, type CredentialProvider, staticCredentials } from './auth/credentials.js';
export {
  type DockerConfigOptions,
  dockerConfigCredentials,
  dockerConfigPath,
} from './auth/docker-config.js';
export {
  CredentialError,
  type DistributionErrorEntry,
  RegistryAuthError,
  RegistryError,
  redactUrl,
  TagDeletionUnsupportedError,
} from './errors.js';
export type { RetryOptions } from './retry.js';
export {
  isLoopbackHost,
  MountSources,
  RegistryRepository,
  RegistryStore,
  type RegistryStoreOptions,
} from './store.js';
export type { RequestEvent, TransportOptions } from './transport.js';
