import path from 'node:path';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { CONTEXT_LABEL, digestContext, prepareContext, WHEELHOUSE_DIR } from './build-context.js';
import { dockerBuildArgs, plainLine, runDockerBuild } from './docker-build.js';
import { dockerEnv, ensureDockerAvailable, type ImageInfo, inspectImage } from './docker-image.js';
import { readExtraCaBundle } from './extra-ca.js';
import { DEFAULT_FLAVOR, FLAVOR_LABEL, type ImageFlavor, LOCAL_IMAGE_TAGS } from './flavor.js';
import { findImagesDir, sourceAndRevision } from './image-metadata.js';
import { streamCommand } from './stream-command.js';
import { downloadWheelhouse, LOCK_FILE } from './wheelhouse.js';

/** The tag `airlock image build` gives the default flavor (core). */
export const DEFAULT_LOCAL_IMAGE = LOCAL_IMAGE_TAGS[DEFAULT_FLAVOR];
/** What images/Dockerfile starts FROM unless told otherwise (its ARG BASE_IMAGE default). */
export const DEFAULT_BASE_IMAGE = 'debian:bookworm-slim';

/**
 * A cold build measured ~4 min on an idle 2-core machine (one image, before the
 * core/full split); on a machine loaded to 15-25 by other jobs, cold core took 12 min
 * and cold full reached its last step after 21 min (docs/image.md). Twice that
 * before we call it hung.
 */
const BUILD_TIMEOUT_MS = 45 * 60_000;
/** debootstrap of a minbase bookworm measured ~40 s. */
const BOOTSTRAP_TIMEOUT_MS = 10 * 60_000;

export interface BuildImageOptions {
  /** The Dockerfile target; default core. */
  flavor?: ImageFlavor;
  /** The tag, or a function of the build's context digest (a tag that names its inputs). */
  tag: string | ((contextDigest: string) => string);
  /** Skip the build when an image `tag` exists whose context label equals this build's digest. */
  ifChanged?: boolean;
  /**
   * Rebuild every layer (docker build --no-cache): what a scheduled patch rebuild
   * needs, since cached apt layers never pick up new security releases.
   */
  noCache?: boolean;
  /** PEM bundle trusted (in addition to the defaults) by the npm step only. */
  extraCaFile?: string;
  progress?: (line: string) => void;
  /** Default DEFAULT_BASE_IMAGE. */
  baseImage?: string;
  /** Default: images/ found above this module. */
  imagesDir?: string;
}

export interface BuildImageResult {
  ref: string;
  flavor: ImageFlavor;
  id: string;
  /** false when `ifChanged` found the image up to date. */
  built: boolean;
  durationMs: number;
  sizeBytes: number;
}

/**
 * Builds (or, with `ifChanged`, confirms) the sandbox image:
 *   1. a Docker engine answers, else DOCKER_UNAVAILABLE;
 *   2. the base image exists, bootstrapped by images/bootstrap-base.sh if missing;
 *   3. a temp context: images/ sources and the CA;
 *   4. its digest against the existing image's label (ifChanged);
 *   4b. the wheelhouse: the lock's wheels, downloaded on the host, hashes checked;
 *   5. `docker build`, progress streamed, IMAGE_BUILD_FAILED naming the failed step.
 * The temp context (with the CA copy) is removed whatever happens.
 */
export async function buildSandboxImage(opts: BuildImageOptions): Promise<BuildImageResult> {
  const started = performance.now();
  const progress = opts.progress ?? (() => undefined);
  const imagesDir = opts.imagesDir ?? findImagesDir();
  const baseRef = opts.baseImage ?? DEFAULT_BASE_IMAGE;
  const flavor = opts.flavor ?? DEFAULT_FLAVOR;
  // Read (and validate) the CA before any slow work: a wrong path fails in a second.
  const extraCa = opts.extraCaFile ? await readExtraCaBundle(opts.extraCaFile) : undefined;

  await ensureDockerAvailable();
  const base = await ensureBaseImage(baseRef, imagesDir, progress);
  const context = await prepareContext(imagesDir, extraCa);
  try {
    const digest = await digestContext(context.dir, { ref: baseRef, id: base.id }, flavor);
    const tag = typeof opts.tag === 'function' ? opts.tag(digest) : opts.tag;

    if (opts.ifChanged) {
      const existing = await inspectImage(tag);
      if (existing && existing.labels[CONTEXT_LABEL] === digest) {
        progress(`${tag} is up to date (context ${digest.slice(0, 12)})`);
        return result(tag, flavor, existing, false, started);
      }
      progress(existing ? `${tag}: build inputs changed, rebuilding` : `${tag}: not present, building`);
    }

    progress('wheelhouse: pip download on the host of the locked wheels (the image installs offline)');
    await downloadWheelhouse(
      path.join(context.dir, WHEELHOUSE_DIR),
      path.join(context.dir, LOCK_FILE),
      progress,
    );
    const { source, revision } = await sourceAndRevision(path.dirname(imagesDir));
    const argv = dockerBuildArgs(
      tag,
      context.dir,
      {
        BASE_IMAGE: baseRef,
        IMAGE_SOURCE: source,
        IMAGE_VERSION: VERSION,
        IMAGE_REVISION: revision,
        IMAGE_CREATED: new Date().toISOString(),
        CONTEXT_SHA256: digest,
      },
      { noCache: opts.noCache ?? false, target: flavor },
    );
    // core has no npm step: the CA is only handed over where it is used.
    progress(
      `docker build --target ${flavor} ${tag}${extraCa && flavor === 'full' ? ' (extra CA for the npm step)' : ''}`,
    );
    await runDockerBuild(argv, progress, BUILD_TIMEOUT_MS);
    const built = await inspectImage(tag);
    if (!built || built.labels[CONTEXT_LABEL] !== digest) {
      throw new UserError(
        'IMAGE_BUILD_FAILED',
        `docker build finished but ${tag} does not carry this build's label`,
      );
    }
    if (built.labels[FLAVOR_LABEL] !== flavor) {
      throw new UserError(
        'IMAGE_BUILD_FAILED',
        `docker build finished but ${tag} is labelled flavor ${built.labels[FLAVOR_LABEL] ?? '(none)'}, not ${flavor}`,
      );
    }
    return result(tag, flavor, built, true, started);
  } finally {
    await context.dispose();
  }
}

function result(
  ref: string,
  flavor: ImageFlavor,
  info: ImageInfo,
  built: boolean,
  started: number,
): BuildImageResult {
  return {
    ref,
    flavor,
    id: info.id,
    built,
    sizeBytes: info.sizeBytes,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The base image, bootstrapped (pull, or debootstrap + import) by images/bootstrap-base.sh when missing. */
async function ensureBaseImage(
  ref: string,
  imagesDir: string,
  progress: (line: string) => void,
): Promise<ImageInfo> {
  const have = await inspectImage(ref);
  if (have) return have;
  progress(`base image ${ref} missing: running images/bootstrap-base.sh`);
  const r = await streamCommand('bash', [path.join(imagesDir, 'bootstrap-base.sh')], {
    env: { ...dockerEnv(), AIRLOCK_BASE_IMAGE: ref },
    timeoutMs: BOOTSTRAP_TIMEOUT_MS,
    spawnErrorCode: 'IMAGE_BUILD_FAILED',
    onLine: (line) => progress(plainLine(line)),
  });
  const after = r.exitCode === 0 ? await inspectImage(ref) : null;
  if (!after) {
    const last = r.stderrTail.at(-1) ?? r.stdoutTail.at(-1) ?? '';
    throw new UserError('IMAGE_BUILD_FAILED', `bootstrapping base image ${ref} failed: ${plainLine(last)}`);
  }
  return after;
}
