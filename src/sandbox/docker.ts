import { UserError } from '../errors.js';
import {
  type CommandResult,
  lastLine,
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

/** The engine's version and runtimes; throws DOCKER_UNAVAILABLE when it cannot be reached. */
export async function checkDocker(): Promise<{ serverVersion: string; runtimes: string[] }> {
  const hint = 'start it with `setsid dockerd >/var/log/dockerd.log 2>&1 &` (or `bash scripts/setup.sh`)';
  let r: CommandResult;
  try {
    r = await docker(['info', '--format', '{{json .}}'], { timeoutMs: 20_000 });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the docker CLI is not on PATH' : String(e);
    throw new UserError('DOCKER_UNAVAILABLE', `the Docker engine is not reachable: ${why}; ${hint}`);
  }
  let info: { ServerVersion?: string; Runtimes?: Record<string, unknown>; ServerErrors?: string[] } = {};
  try {
    info = JSON.parse(r.stdout) as typeof info;
  } catch {
    // fall through: reported below
  }
  if (r.exitCode !== 0 || !info.ServerVersion) {
    const why = info.ServerErrors?.[0] ?? (lastLine(r.stderr) || `docker info exited ${r.exitCode}`);
    throw new UserError('DOCKER_UNAVAILABLE', `the Docker engine is not reachable: ${why}; ${hint}`);
  }
  return { serverVersion: info.ServerVersion, runtimes: Object.keys(info.Runtimes ?? {}).sort() };
}
