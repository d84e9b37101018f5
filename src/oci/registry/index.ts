export { Authenticator, type AuthenticatorOptions } from './auth/authenticator.js';
export { type Challenge, parseChallenge } from './auth/challenge.js';
export { type Credential, type CredentialProvider, staticCredentials } from './auth/credentials.js';
export {
  CredentialError,
  type DockerConfigOptions,
  dockerConfigCredentials,
  dockerConfigPath,
} from './auth/docker-config.js';
export {
  type DistributionErrorEntry,
  RegistryAuthError,
  RegistryError,
  redactUrl,
  TagDeletionUnsupportedError,
} from './errors.js';
export type { RetryOptions } from './retry.js';
export { isLoopbackHost, RegistryRepository, RegistryStore, type RegistryStoreOptions } from './store.js';
export type { RequestEvent, TransportOptions } from './transport.js';
