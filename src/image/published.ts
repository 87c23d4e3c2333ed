import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';

/**
 * images/published.json: the sandbox image the release workflow pushed for this
 * version of Airlock, by digest. The release commits it on the release tag, so the
 * Action's code and its image move together; between releases `ref` and `digest` are
 * null and the Action builds from images/ instead.
 *
 *   { "ref": "ghcr.io/owner/airlock-sandbox", "version": "0.2.0", "digest": "sha256:..." }
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
  /** sha256:<64 hex> of the pushed manifest; null before a release. */
  digest: string | null;
  /** The file it was read from (for messages). */
  source: string;
}

const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Parses and checks the file's text; every error names the file and the field. */
export function parsePublished(text: string, source: string): PublishedImage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError('INPUT_INVALID', `${source}: not JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('INPUT_INVALID', `${source}: expected an object with ref, version, digest`);
  }
  const o = raw as Record<string, unknown>;
  const ref = o.ref ?? null;
  const digest = o.digest ?? null;
  if (ref !== null && (typeof ref !== 'string' || !REPOSITORY.test(ref))) {
    throw new UserError(
      'INPUT_INVALID',
      `${source}: field ref: expected a registry repository without tag or digest (e.g. ghcr.io/owner/airlock-sandbox) or null, got ${JSON.stringify(ref)}`,
    );
  }
  if (digest !== null && (typeof digest !== 'string' || !DIGEST.test(digest))) {
    throw new UserError(
      'INPUT_INVALID',
      `${source}: field digest: expected sha256:<64 hex digits> or null, got ${JSON.stringify(digest)}`,
    );
  }
  if ((ref === null) !== (digest === null)) {
    throw new UserError('INPUT_INVALID', `${source}: fields ref and digest: set both or neither`);
  }
  if (typeof o.version !== 'string' || !/^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/.test(o.version)) {
    throw new UserError(
      'INPUT_INVALID',
      `${source}: field version: expected a semantic version, got ${JSON.stringify(o.version)}`,
    );
  }
  return { ref, version: o.version, digest, source };
}

/** The published image of this Airlock: the override file if set, else images/published.json. */
export async function readPublishedImage(imagesDir: string, env: NodeJS.ProcessEnv): Promise<PublishedImage> {
  const file = env[PUBLISHED_FILE_ENV] || path.join(imagesDir, PUBLISHED_FILE);
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UserError('INPUT_INVALID', `published image file ${file}: ${e.code ?? e.message}`);
  });
  return parsePublished(text, file);
}

/** `repo@sha256:...`, what is pulled; undefined before a release. */
export function publishedPullRef(p: PublishedImage): string | undefined {
  return p.ref && p.digest ? `${p.ref}@${p.digest}` : undefined;
}

/**
 * The tag of an image built from images/ by the Action: the same inputs give the same
 * tag, so an engine that still has it (a self-hosted runner, a restored
 * `docker save` cache) skips the build.
 */
export function localBuildTag(contextDigest: string, version: string = VERSION): string {
  return `airlock-sandbox:${version}-${contextDigest.slice(0, 12)}`;
}
