import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { IMAGE_FLAVORS, type ImageFlavor, isImageFlavor } from './flavor.js';

/**
 * images/published.json: the sandbox images the release workflow pushed for this
 * version of Airlock, one digest per flavor (both in one repository). The release
 * commits it on the release tag, so the Action's code and its images move together;
 * between releases `ref` and the digests are null and the Action builds from
 * images/ instead.
 *
 *   { "ref": "ghcr.io/owner/airlock-sandbox", "version": "0.2.0",
 *     "digests": { "core": "sha256:...", "full": "sha256:..." } }
 */
export const PUBLISHED_FILE = 'published.json';
/**
 * Another file to read instead: a mirror on GHES or an air-gapped registry (and the
 * tests, which point it at a registry on loopback). Set by the workflow author, never
 * by anything a pull request brings.
 */
export const PUBLISHED_FILE_ENV = 'AIRLOCK_PUBLISHED_IMAGE_FILE';

export interface PublishedImage {
  /** Repository without tag or digest, e.g. ghcr.io/owner/airlock-sandbox; null before a release. */
  ref: string | null;
  version: string;
  /** sha256:<64 hex> of each flavor's pushed manifest; null before a release. */
  digests: Record<ImageFlavor, string | null>;
  /** The file it was read from (for messages). */
  source: string;
}

const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

function digestsOf(raw: unknown, source: string): Record<ImageFlavor, string | null> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError(
      'INPUT_INVALID',
      `${source}: field digests: expected an object with ${IMAGE_FLAVORS.join(' and ')}`,
    );
  }
  const o = raw as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !isImageFlavor(k));
  if (unknown.length > 0) {
    throw new UserError(
      'INPUT_INVALID',
      `${source}: field digests: unknown flavor ${unknown.join(', ')} (expected ${IMAGE_FLAVORS.join(', ')})`,
    );
  }
  const out = {} as Record<ImageFlavor, string | null>;
  for (const flavor of IMAGE_FLAVORS) {
    const d = o[flavor] ?? null;
    if (d !== null && (typeof d !== 'string' || !DIGEST.test(d))) {
      throw new UserError(
        'INPUT_INVALID',
        `${source}: field digests.${flavor}: expected sha256:<64 hex digits> or null, got ${JSON.stringify(d)}`,
      );
    }
    out[flavor] = d;
  }
  return out;
}

/** Parses and checks the file's text; every error names the file and the field. */
export function parsePublished(text: string, source: string): PublishedImage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError('INPUT_INVALID', `${source}: not JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('INPUT_INVALID', `${source}: expected an object with ref, version, digests`);
  }
  const o = raw as Record<string, unknown>;
  if ('digest' in o) {
    // The one-image format before the core/full split: say so rather than guess a flavor.
    throw new UserError(
      'INPUT_INVALID',
      `${source}: field digest: replaced by digests: { "core": ..., "full": ... } (one per image flavor)`,
    );
  }
  const ref = o.ref ?? null;
  if (ref !== null && (typeof ref !== 'string' || !REPOSITORY.test(ref))) {
    throw new UserError(
      'INPUT_INVALID',
      `${source}: field ref: expected a registry repository without tag or digest (e.g. ghcr.io/owner/airlock-sandbox) or null, got ${JSON.stringify(ref)}`,
    );
  }
  const digests = digestsOf(o.digests, source);
  // A release publishes both flavors; half a record would send one flavor to a build
  // for no visible reason.
  const set = IMAGE_FLAVORS.filter((f) => digests[f] !== null);
  if (ref === null ? set.length > 0 : set.length !== IMAGE_FLAVORS.length) {
    throw new UserError(
      'INPUT_INVALID',
      `${source}: fields ref and digests: set ref and every flavor's digest, or none of them`,
    );
  }
  if (typeof o.version !== 'string' || !/^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/.test(o.version)) {
    throw new UserError(
      'INPUT_INVALID',
      `${source}: field version: expected a semantic version, got ${JSON.stringify(o.version)}`,
    );
  }
  return { ref, version: o.version, digests, source };
}

/** The published image of this Airlock: the override file if set, else images/published.json. */
export async function readPublishedImage(imagesDir: string, env: NodeJS.ProcessEnv): Promise<PublishedImage> {
  const file = env[PUBLISHED_FILE_ENV] || path.join(imagesDir, PUBLISHED_FILE);
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UserError('INPUT_INVALID', `published image file ${file}: ${e.code ?? e.message}`);
  });
  return parsePublished(text, file);
}

/** `repo@sha256:...` of the flavor, what is pulled; undefined before a release. */
export function publishedPullRef(p: PublishedImage, flavor: ImageFlavor): string | undefined {
  const digest = p.digests[flavor];
  return p.ref && digest ? `${p.ref}@${digest}` : undefined;
}

/**
 * The tag of an image built from images/ by the Action: the same inputs give the same
 * tag, so an engine that still has it (a self-hosted runner, a restored
 * `docker save` cache) skips the build.
 */
export function localBuildTag(flavor: ImageFlavor, contextDigest: string, version: string = VERSION): string {
  return `airlock-sandbox:${version}-${flavor}-${contextDigest.slice(0, 12)}`;
}
