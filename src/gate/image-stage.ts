import { UserError } from '../errors.js';
import { buildSandboxImage } from '../image/build-image.js';
import { dockerEnv } from '../image/docker-image.js';
import { plainLine } from '../image/docker-build.js';
import { defaultExtraCaFile } from '../image/extra-ca.js';
import { type ImageFlavor, LOCAL_IMAGE_TAGS } from '../image/flavor.js';
import { findImagesDir } from '../image/image-metadata.js';
import { localBuildTag, publishedPullRef, readPublishedImage } from '../image/published.js';
import { streamCommand } from '../image/stream-command.js';
import type { ContainerEngine } from '../sandbox/container-engine.js';
import { ensureImage } from '../sandbox/engine-ready.js';

/**
 * Where the Action's sandbox image comes from (its `image` input):
 *   auto   the published image by digest, else a build from the Action's own images/;
 *   pull   the published image only;
 *   build  a build from images/ only;
 *   ref    that reference, pulled when absent.
 * auto, pull and build take the policy's flavor (`sandbox.flavor`: core or full).
 */
export type ImageChoice =
  | { kind: 'auto' }
  | { kind: 'pull' }
  | { kind: 'build' }
  | { kind: 'ref'; ref: string };

/** How the image was had, for the log and the tests. */
export type ImageOrigin = 'local' | 'pulled' | 'built';

export interface ResolvedImage {
  ref: string;
  id: string;
  origin: ImageOrigin;
}

/** A published image of ~1 GB on a slow runner link; a registry that hangs is an error, not a stuck job. */
const PULL_TIMEOUT_MS = 20 * 60_000;

/** A ref naming a registry host (`ghcr.io/o/i:t`, `localhost:5000/i`): something `docker pull` can fetch. */
export function isRegistryRef(ref: string): boolean {
  const first = ref.split('/')[0] ?? '';
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/** The `image` input, checked: empty/auto, pull, build, or an image reference. */
export function parseImageInput(text: string | undefined): ImageChoice {
  const v = (text ?? '').trim();
  if (v === '' || v === 'auto') return { kind: 'auto' };
  if (v === 'pull' || v === 'build') return { kind: v };
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/.test(v)) {
    throw new UserError(
      'INPUT_INVALID',
      `input image: expected auto, pull, build or an image reference (e.g. ghcr.io/owner/airlock-sandbox@sha256:...), got '${v}'`,
    );
  }
  return { kind: 'ref', ref: v };
}

/**
 * `docker pull`, its layer lines streamed to the log; the last error line on failure.
 * Pulling (like building, src/image/) is the image builder's job and stays on the docker
 * CLI, which follows the same DOCKER_HOST as the engine (Podman's socket when selected);
 * whether the engine has the image is asked of the ContainerEngine itself.
 */
async function pullImage(ref: string, progress: (line: string) => void): Promise<string | undefined> {
  progress(`image: pulling ${ref}`);
  const r = await streamCommand('docker', ['pull', '--', ref], {
    env: dockerEnv(),
    timeoutMs: PULL_TIMEOUT_MS,
    spawnErrorCode: 'DOCKER_UNAVAILABLE',
    onLine: (line) => progress(`  ${plainLine(line)}`),
  });
  if (r.exitCode === 0) {
    progress(`image: pulled ${ref} in ${(r.durationMs / 1000).toFixed(1)} s`);
    return undefined;
  }
  if (r.timedOut) return `no answer in ${PULL_TIMEOUT_MS / 60_000} min`;
  return plainLine(r.stderrTail.at(-1) ?? r.stdoutTail.at(-1) ?? `exit ${r.exitCode}`);
}

/**
 * The sandbox image, present locally: pulled once when the ref names a registry,
 * otherwise it must have been built (`airlock image build`; the CLI's default
 * airlock-sandbox:local is such a local tag). Bounded: a registry that does not
 * answer is an error naming the ref, not a hang.
 */
export async function ensureImageAvailable(
  ref: string,
  progress: (line: string) => void,
  engine: ContainerEngine,
): Promise<{ ref: string; id: string }> {
  if ((await engine.imageId(ref)) === null && isRegistryRef(ref)) {
    const failed = await pullImage(ref, progress);
    if (failed) {
      throw new UserError(
        'IMAGE_MISSING',
        `sandbox image ${ref} is not present and could not be pulled: ${failed}`,
      );
    }
  }
  return ensureImage(engine, ref, progress);
}

/** The flavor's published image by digest: already here, or pulled. A reason string when neither. */
async function publishedImage(
  flavor: ImageFlavor,
  env: NodeJS.ProcessEnv,
  imagesDir: string,
  progress: (line: string) => void,
  engine: ContainerEngine,
): Promise<ResolvedImage | string> {
  const published = await readPublishedImage(imagesDir, env);
  const ref = publishedPullRef(published, flavor);
  if (!ref) {
    return `no published ${flavor} image recorded in ${published.source} (this version was not released)`;
  }
  const have = await engine.imageId(ref);
  if (have) {
    progress(`image: ${ref} (${have}), already present`);
    return { ref, id: have, origin: 'local' };
  }
  const failed = await pullImage(ref, progress);
  if (failed) return `pulling ${ref} failed: ${failed}`;
  const id = await engine.imageId(ref);
  return id ? { ref, id, origin: 'pulled' } : `${ref} was pulled but is not present`;
}

/** A build from the Action's own images/, tagged by its inputs: an engine that has it already skips the work. */
async function builtImage(
  flavor: ImageFlavor,
  env: NodeJS.ProcessEnv,
  imagesDir: string,
  progress: (line: string) => void,
): Promise<ResolvedImage> {
  progress(`image: building ${flavor} from ${imagesDir} (a cold build takes minutes; progress follows)`);
  const r = await buildSandboxImage({
    flavor,
    tag: (digest) => localBuildTag(flavor, digest),
    ifChanged: true,
    imagesDir,
    extraCaFile: defaultExtraCaFile(env),
    progress: (l) => progress(`  ${l}`),
  });
  progress(
    r.built
      ? `image: built ${r.ref} (${r.id}) in ${(r.durationMs / 1000).toFixed(0)} s, ${(r.sizeBytes / 1e6).toFixed(0)} MB`
      : `image: reusing ${r.ref} (${r.id}), built earlier from the same inputs`,
  );
  return { ref: r.ref, id: r.id, origin: r.built ? 'built' : 'local' };
}

/** A local tag `airlock image build` gives a flavor: what a policy names when it names no image of its own. */
function isLocalFlavorTag(ref: string): boolean {
  return (Object.values(LOCAL_IMAGE_TAGS) as string[]).includes(ref);
}

/**
 * The Action's image, as its `image` input chose. In `auto`, a policy that names its
 * own image (anything but the CLI's local flavor tags) is honoured as a reference;
 * otherwise the published digest of the policy's flavor, then a local build of that
 * flavor. Both failing is IMAGE_MISSING with both reasons.
 */
export async function resolveSandboxImage(
  choice: ImageChoice,
  deps: {
    policyImage: string;
    flavor: ImageFlavor;
    env: NodeJS.ProcessEnv;
    progress: (line: string) => void;
    /** The engine the run uses: asked whether it has the image. */
    engine: ContainerEngine;
    imagesDir?: string;
  },
): Promise<ResolvedImage> {
  const { env, progress, flavor, engine } = deps;
  const ref =
    choice.kind === 'ref'
      ? choice.ref
      : choice.kind === 'auto' && !isLocalFlavorTag(deps.policyImage)
        ? deps.policyImage
        : undefined;
  if (ref) {
    const had = await engine.imageId(ref);
    const image = await ensureImageAvailable(ref, progress, engine);
    return { ...image, origin: had ? 'local' : 'pulled' };
  }
  const imagesDir = deps.imagesDir ?? findImagesDir();
  if (choice.kind === 'build') return builtImage(flavor, env, imagesDir, progress);
  const published = await publishedImage(flavor, env, imagesDir, progress, engine);
  if (typeof published !== 'string') return published;
  if (choice.kind === 'pull') throw new UserError('IMAGE_MISSING', `input image: pull: ${published}`);
  progress(`image: ${published}; building it instead`);
  try {
    return await builtImage(flavor, env, imagesDir, progress);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new UserError('IMAGE_MISSING', `no sandbox image: ${published}; and the build failed: ${why}`);
  }
}
