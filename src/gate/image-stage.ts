import { UserError } from '../errors.js';
import { tryRunCommand } from '../exec/run-command.js';
import { ensureImage, localImageId } from '../sandbox/docker.js';

/** A ref naming a registry host (`ghcr.io/o/i:t`, `localhost:5000/i`): something `docker pull` can fetch. */
export function isRegistryRef(ref: string): boolean {
  const first = ref.split('/')[0] ?? '';
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/**
 * The sandbox image, present locally: pulled once when the ref names a registry
 * (the Action's default, the published image), otherwise it must have been built
 * (`airlock image build`). Bounded: a registry that does not answer is an error
 * naming the ref, not a hang.
 */
export async function ensureImageAvailable(
  ref: string,
  progress: (line: string) => void,
): Promise<{ ref: string; id: string }> {
  if ((await localImageId(ref)) === null && isRegistryRef(ref)) {
    progress(`image: pulling ${ref}`);
    const r = await tryRunCommand('docker', ['pull', '--quiet', '--', ref], { timeoutMs: 600_000 });
    if (r.exitCode !== 0) {
      throw new UserError(
        'IMAGE_MISSING',
        `sandbox image ${ref} is not present and could not be pulled: ${r.stderr.trim().split('\n').at(-1) ?? ''}`,
      );
    }
  }
  return ensureImage(ref, progress);
}
