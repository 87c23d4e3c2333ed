import {
  type CommandResult,
  minimalEnv,
  type RunOptions,
  tryRunCommand,
  DOCKER_CLIENT_VARS,
} from '../exec/run-command.js';

/**
 * The docker CLI's environment: a minimal one plus the variables that select and
 * authenticate the engine (a remote or rootless engine, a context, TLS). These reach
 * the docker client only; the container's environment is only ever explicit --env.
 */

export function dockerClientEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const extra: NodeJS.ProcessEnv = {};
  for (const k of DOCKER_CLIENT_VARS) if (env[k] !== undefined) extra[k] = env[k];
  return minimalEnv(extra);
}

/** `docker ARGS` through the one exec wrapper, with the docker client's environment. */
export function docker(args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  return tryRunCommand('docker', args, { ...opts, env: dockerClientEnv() });
}
