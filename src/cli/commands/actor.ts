import { hostname, userInfo } from 'node:os';

/**
 * Who the history records as the actor of a change, when `--by` is not given (docs/history.md):
 * `OCM_ACTOR`, else the CI's user and run where one is detected, else `user@host`. Self-declared:
 * it says who claims to have acted, not who was authenticated.
 */
export function defaultActor(env: Readonly<Record<string, string | undefined>>): string {
  if (env.OCM_ACTOR?.trim()) return env.OCM_ACTOR.trim().slice(0, 256);
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_ACTOR)
    return `${env.GITHUB_ACTOR} (github ${env.GITHUB_REPOSITORY ?? ''} run ${env.GITHUB_RUN_ID ?? '?'})`.slice(
      0,
      256,
    );
  if (env.GITLAB_CI === 'true')
    return `${env.GITLAB_USER_LOGIN ?? 'gitlab'} (gitlab ${env.CI_PROJECT_PATH ?? ''} job ${env.CI_JOB_ID ?? '?'})`.slice(
      0,
      256,
    );
  if (env.CI && (env.BUILD_URL || env.CI_BUILD_ID || env.BUILD_ID))
    return `ci (${env.BUILD_URL ?? env.CI_BUILD_ID ?? env.BUILD_ID})`.slice(0, 256);
  let user = env.USER ?? env.LOGNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`.slice(0, 256);
}

/** `--by`, else the default actor. */
export function actorOf(by: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return by ?? defaultActor(env);
}
