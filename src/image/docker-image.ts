import { DOCKER_CLIENT_VARS, minimalEnv, tryRunCommand } from '../exec/run-command.js';
import { UserError } from '../errors.js';

/** What Airlock needs to know about a local image. */
export interface ImageInfo {
  /** `sha256:...` content-addressed image ID. */
  id: string;
  labels: Record<string, string>;
  sizeBytes: number;
}

/**
 * The Docker client's environment: our minimal one plus the variables that say
 * which engine to talk to and how. Nothing else of the caller's environment (CI
 * tokens) reaches docker or, through build args, an image.
 */
export function dockerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const passed: NodeJS.ProcessEnv = {};
  // DOCKER_BUILDKIT too: it chooses the builder, which only image builds use.
  for (const name of [...DOCKER_CLIENT_VARS, 'DOCKER_BUILDKIT']) {
    if (env[name] !== undefined) passed[name] = env[name];
  }
  return minimalEnv(passed);
}

/** Fails with DOCKER_UNAVAILABLE (exit 2) unless a Docker engine answers. */
export async function ensureDockerAvailable(): Promise<void> {
  let r: Awaited<ReturnType<typeof tryRunCommand>>;
  try {
    r = await tryRunCommand('docker', ['version', '--format', '{{.Server.Version}}'], {
      env: dockerEnv(),
      timeoutMs: 30_000,
    });
  } catch {
    throw new UserError('DOCKER_UNAVAILABLE', 'the docker client was not found on PATH; install Docker');
  }
  if (r.exitCode !== 0 || !r.stdout.trim()) {
    throw new UserError(
      'DOCKER_UNAVAILABLE',
      'the Docker engine is not reachable (start dockerd, or run scripts/setup.sh)',
    );
  }
}

/** Parses `docker image inspect` output; exported for unit tests. */
export function parseImageInspect(stdout: string): ImageInfo | null {
  const parsed: unknown = JSON.parse(stdout);
  const first = Array.isArray(parsed) ? (parsed[0] as Record<string, unknown> | undefined) : undefined;
  if (!first || typeof first.Id !== 'string') return null;
  const config = (first.Config ?? {}) as { Labels?: Record<string, unknown> | null };
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.Labels ?? {})) {
    if (typeof v === 'string') labels[k] = v;
  }
  return { id: first.Id, labels, sizeBytes: typeof first.Size === 'number' ? first.Size : 0 };
}

/**
 * The local image `ref`, or null when the engine does not have it. Other failures
 * (no engine) are DOCKER_UNAVAILABLE, so "missing" is never confused with "unknown".
 */
export async function inspectImage(ref: string): Promise<ImageInfo | null> {
  // `image inspect`, not `inspect`: a container that happens to share the name is
  // never read. `--` keeps a ref starting with `-` from being taken as an option.
  const r = await tryRunCommand('docker', ['image', 'inspect', '--', ref], {
    env: dockerEnv(),
    timeoutMs: 30_000,
  }).catch((e: unknown) => {
    throw new UserError('DOCKER_UNAVAILABLE', `docker could not be started: ${String(e)}`);
  });
  if (r.exitCode === 0) return parseImageInspect(r.stdout);
  if (/no such image/i.test(r.stderr)) return null;
  throw new UserError(
    'DOCKER_UNAVAILABLE',
    `docker image inspect failed: ${r.stderr.trim().split('\n').at(-1)}`,
  );
}
