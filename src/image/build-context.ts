import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ImageFlavor } from './flavor.js';
import { sha256Hex } from '../sha256.js';

/**
 * The build context `images/Dockerfile` expects, assembled in a fresh temp dir:
 *
 *   Dockerfile, debian/, mermaid/, python/, rootfs/, rootfs-full/   copied from images/ (never images/smoke/
 *                                   or the bootstrap script: they are not build inputs)
 *   wheelhouse/                     filled by wheelhouse.ts from python/requirements.lock
 *   build-ca/extra-ca.pem           the extra CA, or an empty file (COPY of a
 *                                   missing file fails in both builders)
 *
 * and its digest: what `--if-changed` compares with the image's
 * `org.airlock.context-sha256` label to decide whether a rebuild is due.
 */
export const CONTEXT_SOURCES = [
  'Dockerfile',
  'debian',
  'mermaid',
  'python',
  'rootfs',
  'rootfs-full',
] as const;
export const CA_DIR = 'build-ca';
export const CA_FILE = 'extra-ca.pem';
export const WHEELHOUSE_DIR = 'wheelhouse';
export const CONTEXT_LABEL = 'org.airlock.context-sha256';

/** Bump when the manifest's meaning changes, so old labels never match by accident. */
const MANIFEST_VERSION = 'airlock-image-context v3';

export interface ContextFile {
  /** POSIX path relative to the context root. */
  path: string;
  sha256: string;
}

export interface ContextInputs {
  /** The Dockerfile target: the same files give a different image per flavor. */
  flavor: ImageFlavor;
  baseImageRef: string;
  /** Image ID of the base: a re-bootstrapped or newly pulled base means a rebuild. */
  baseImageId: string;
  /** Includes python/requirements.lock, whose hashes fix every wheel the build installs. */
  files: ContextFile[];
}

/**
 * sha256 over a sorted manifest of the build's inputs. Deliberately NOT in it: the
 * extra CA (it changes how npm reaches the registry, not what is installed, and a
 * label must not fingerprint the build machine's proxy) and the OCI labels' values
 * (a new commit or date alone is no reason to rebuild).
 */
export function contextDigest(inputs: ContextInputs): string {
  // One JSON array per line: a name containing spaces or newlines cannot pass for
  // another entry, so two different sets of inputs never share a manifest.
  const lines = [
    JSON.stringify(['flavor', inputs.flavor]),
    JSON.stringify(['base-ref', inputs.baseImageRef]),
    JSON.stringify(['base-id', inputs.baseImageId]),
    ...inputs.files.map((f) => JSON.stringify(['file', f.path, f.sha256])),
  ].sort();
  return createHash('sha256')
    .update(`${MANIFEST_VERSION}\n${lines.join('\n')}\n`)
    .digest('hex');
}

/** Whether a context file counts towards the digest (see contextDigest for the why). */
export function isDigestedPath(rel: string): boolean {
  if (rel === CA_DIR || rel.startsWith(`${CA_DIR}/`)) return false;
  // The wheels are fixed by the lock's hashes, which are digested: the digest can be
  // taken before the download, so an up-to-date image costs no 80 MB fetch.
  if (rel === WHEELHOUSE_DIR || rel.startsWith(`${WHEELHOUSE_DIR}/`)) return false;
  return true;
}

/**
 * Every regular file under `root` with its sha256, sorted by path. A symlink or
 * special file is refused: the context is sent to the Docker engine as a tar, and a
 * link there could carry a file from outside the tree into the image.
 */
export async function hashTree(
  root: string,
  include: (rel: string) => boolean = () => true,
): Promise<ContextFile[]> {
  const out: ContextFile[] = [];
  async function walk(rel: string): Promise<void> {
    const abs = path.join(root, rel);
    const st = await lstat(abs);
    if (st.isDirectory()) {
      for (const name of (await readdir(abs)).sort()) await walk(rel ? `${rel}/${name}` : name);
    } else if (st.isFile()) {
      // Excluded files are still walked (a symlink among them fails too) but not read.
      if (include(rel)) out.push({ path: rel, sha256: sha256Hex(await readFile(abs)) });
    } else {
      throw new UserError('IMAGE_BUILD_FAILED', `build context: ${rel} is not a regular file or directory`);
    }
  }
  await walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface PreparedContext {
  dir: string;
  /** Removes the temp dir (the CA copy with it). */
  dispose: () => Promise<void>;
}

/** Creates the temp context with images/ sources and the CA; wheelhouse.ts fills wheelhouse/. */
export async function prepareContext(
  imagesDir: string,
  extraCaPem: string | undefined,
): Promise<PreparedContext> {
  const dir = await mkdtemp(path.join(tmpdir(), 'airlock-image-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    for (const name of CONTEXT_SOURCES) {
      const from = path.join(imagesDir, name);
      // verbatimSymlinks + hashTree's lstat: a link in images/ fails the build
      // instead of pulling its target into the context.
      await cp(from, path.join(dir, name), {
        recursive: true,
        verbatimSymlinks: true,
        preserveTimestamps: false,
      });
    }
    await mkdir(path.join(dir, CA_DIR));
    // 0600: the context dir is in the shared temp dir; the CA is no secret, but
    // there is no reason for other local users to read what we send to the engine.
    await writeFile(path.join(dir, CA_DIR, CA_FILE), extraCaPem ?? '', { mode: 0o600 });
    await mkdir(path.join(dir, WHEELHOUSE_DIR));
    return { dir, dispose };
  } catch (e) {
    await dispose();
    if (e instanceof UserError) throw e;
    throw new UserError(
      'IMAGE_BUILD_FAILED',
      `cannot assemble the build context from ${imagesDir}: ${String(e)}`,
    );
  }
}

/** The digest of a prepared context (the wheelhouse, filled or not, does not count). */
export async function digestContext(
  dir: string,
  base: { ref: string; id: string },
  flavor: ImageFlavor,
): Promise<string> {
  const files = await hashTree(dir, isDigestedPath);
  return contextDigest({ flavor, baseImageRef: base.ref, baseImageId: base.id, files });
}
