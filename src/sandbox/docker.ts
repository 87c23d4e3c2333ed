import { DOCKER_CLIENT_VARS, minimalEnv } from '../exec/run-command.js';

/**
 * The docker CLI's environment: a minimal one plus the variables that select and
 * authenticate the engine (a remote or rootless engine, a context, TLS). These reach
 * the docker client only; the container's environment is only ever explicit --env.
 * The sandbox drives its engine through ContainerEngine (docker-engine.ts); the CLI is
 * left only where a call must be synchronous (the exit hook's `docker rm`,
 * containers.ts). The image builder (src/image/) has its own CLI wrapper.
 */
export function dockerClientEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const extra: NodeJS.ProcessEnv = {};
  for (const k of DOCKER_CLIENT_VARS) if (env[k] !== undefined) extra[k] = env[k];
  return minimalEnv(extra);
}
