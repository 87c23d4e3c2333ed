import { UserError } from '../errors.js';
import type { ContainerEngine } from './container-engine.js';

/**
 * The checks before a run, asked of the ContainerEngine the run will use (Docker's
 * socket, Podman's through DOCKER_HOST, or a test's fake): is it up, does it have the
 * image. One way to ask, so the answer is about the engine that then runs the
 * containers. Image build and pull are the image builder's (src/image/, the docker CLI).
 */

const START_HINT = 'start it with `setsid dockerd >/var/log/dockerd.log 2>&1 &` (or `bash scripts/setup.sh`)';

/** Throws DOCKER_UNAVAILABLE (exit 2) unless the engine answers its ping. */
export async function requireEngineUp(engine: ContainerEngine): Promise<void> {
  if (await engine.ping().catch(() => false)) return;
  throw new UserError(
    'DOCKER_UNAVAILABLE',
    `the Docker engine is not reachable: no answer to GET /_ping on ${engine.endpoint}; ${START_HINT}`,
  );
}

/** Throws DOCKER_UNAVAILABLE unless the engine has the runtime (runsc must be registered: scripts/setup.sh). */
export async function requireEngineRuntime(engine: ContainerEngine, runtime: string): Promise<void> {
  if ((await engine.runtimes()).includes(runtime)) return;
  throw new UserError('DOCKER_UNAVAILABLE', `the Docker engine has no runtime '${runtime}'`);
}

/** Throws IMAGE_MISSING unless the engine has the image locally (we never pull here). */
export async function requireImage(engine: ContainerEngine, ref: string): Promise<string> {
  const id = await engine.imageId(ref);
  if (!id) {
    throw new UserError(
      'IMAGE_MISSING',
      `the sandbox image ${ref} is not present in the local Docker engine: run \`airlock image build\``,
    );
  }
  return id;
}

/**
 * The gate's image check: `{ ref, id }` of the local image, or IMAGE_MISSING. Never
 * pulls (the pinned image is the single toolchain; a registry fetch is not ours to do).
 */
export async function ensureImage(
  engine: ContainerEngine,
  ref: string,
  progress?: (line: string) => void,
): Promise<{ ref: string; id: string }> {
  const id = await requireImage(engine, ref);
  progress?.(`image: ${ref} (${id})`);
  return { ref, id };
}
