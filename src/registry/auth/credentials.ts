import type { OperationOptions } from '../../oci/content/storage.js';

/**
 * What we may present to a registry. At most one form is used, in this order: `registryToken`
 * (a bearer token, sent as is), `identityToken` (an OAuth2 refresh token, exchanged at the token
 * endpoint), `username` + `password` (Basic, or exchanged for a bearer token).
 */
export interface Credential {
  readonly username?: string;
  readonly password?: string;
  readonly identityToken?: string;
  readonly registryToken?: string;
}

/**
 * Finds credentials for a registry host (`host[:port]`); undefined means anonymous. Called at most
 * once per host per store, and only when the registry asks for authentication.
 */
export type CredentialProvider = (
  host: string,
  options?: OperationOptions,
) => Promise<Credential | undefined>;

/** A provider that answers `credential` for every host. */
export function staticCredentials(credential: Credential | undefined): CredentialProvider {
  return async () => credential;
}

export function isEmptyCredential(c: Credential | undefined): boolean {
  return !c || (!c.username && !c.password && !c.identityToken && !c.registryToken);
}
