import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CA_DIR,
  CA_FILE,
  type ContextInputs,
  contextDigest,
  digestContext,
  hashTree,
  isDigestedPath,
  prepareContext,
  WHEELHOUSE_DIR,
} from '../../../src/image/build-context.js';
import { findImagesDir } from '../../../src/image/image-metadata.js';

const BASE: ContextInputs = {
  flavor: 'core',
  baseImageRef: 'debian:bookworm-slim',
  baseImageId: 'sha256:aaaa',
  files: [
    { path: 'Dockerfile', sha256: '11'.repeat(32) },
    { path: 'rootfs-full/usr/local/bin/mmdc', sha256: '22'.repeat(32) },
    { path: 'python/requirements.lock', sha256: '44'.repeat(32) },
  ],
};

describe('contextDigest', () => {
  it('is a sha256 hex that does not depend on the order inputs are listed in', () => {
    const d = contextDigest(BASE);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(contextDigest({ ...BASE, files: [...BASE.files].reverse() })).toBe(d);
  });

  it('changes when any build input changes', () => {
    const d = contextDigest(BASE);
    const variants: ContextInputs[] = [
      // The same files build a different image per target: a core image must never
      // pass for an up-to-date full one.
      { ...BASE, flavor: 'full' },
      { ...BASE, baseImageId: 'sha256:bbbb' },
      { ...BASE, baseImageRef: 'debian:bookworm' },
      { ...BASE, files: [{ ...BASE.files[0]!, sha256: '33'.repeat(32) }, ...BASE.files.slice(1)] },
      { ...BASE, files: [{ ...BASE.files[0]!, path: 'Dockerfile2' }, ...BASE.files.slice(1)] },
      { ...BASE, files: [BASE.files[0]!] },
      // A new pin or hash in the lock is a new set of wheels.
      { ...BASE, files: [...BASE.files.slice(0, 2), { ...BASE.files[2]!, sha256: '55'.repeat(32) }] },
    ];
    const digests = variants.map(contextDigest);
    for (const v of digests) expect(v).not.toBe(d);
    expect(new Set(digests).size).toBe(variants.length);
  });

  it('cannot be forged by moving text between a path and a hash', () => {
    // One manifest line per input: a file named like another's hash line is a different manifest.
    const a = contextDigest({ ...BASE, files: [{ path: 'a b', sha256: 'c' }] });
    const b = contextDigest({ ...BASE, files: [{ path: 'b', sha256: 'c a' }] });
    expect(a).not.toBe(b);
  });
});

describe('isDigestedPath', () => {
  it("leaves out the CA (not an input of the image) and the wheelhouse (fixed by the lock's hashes)", () => {
    expect(isDigestedPath(`${CA_DIR}/${CA_FILE}`)).toBe(false);
    expect(isDigestedPath(CA_DIR)).toBe(false);
    expect(isDigestedPath(`${WHEELHOUSE_DIR}/polars-1.0-py3-none-any.whl`)).toBe(false);
    expect(isDigestedPath('python/requirements.lock')).toBe(true);
    expect(isDigestedPath('Dockerfile')).toBe(true);
    expect(isDigestedPath('build-ca-notes.txt')).toBe(true);
  });
});

describe('prepareContext + digestContext (on a copy of images/)', () => {
  let work: string;
  let imagesCopy: string;
  const base = { ref: 'debian:bookworm-slim', id: 'sha256:1234' };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'airlock-ctx-test-'));
    imagesCopy = path.join(work, 'images');
    const { cp } = await import('node:fs/promises');
    await cp(findImagesDir(), imagesCopy, { recursive: true });
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function digestWith(ca: string | undefined, edit?: () => Promise<void>): Promise<string> {
    await edit?.();
    const ctx = await prepareContext(imagesCopy, ca);
    try {
      // A downloaded wheel does not change the digest: the lock's hashes already fix it.
      await writeFile(path.join(ctx.dir, WHEELHOUSE_DIR, 'polars-1.0-py3-none-any.whl'), 'zip');
      return await digestContext(ctx.dir, base, 'core');
    } finally {
      await ctx.dispose();
    }
  }

  it('holds the Dockerfile and its inputs, an empty CA file when none is given, and nothing else of images/', async () => {
    const ctx = await prepareContext(imagesCopy, undefined);
    try {
      expect(existsSync(path.join(ctx.dir, 'Dockerfile'))).toBe(true);
      expect(existsSync(path.join(ctx.dir, 'mermaid', 'package-lock.json'))).toBe(true);
      expect(existsSync(path.join(ctx.dir, 'rootfs-full', 'usr', 'local', 'bin', 'mmdc'))).toBe(true);
      expect(existsSync(path.join(ctx.dir, 'rootfs', 'opt', 'airlock', 'libexec', 'tool-versions.py'))).toBe(
        true,
      );
      expect(existsSync(path.join(ctx.dir, 'python', 'requirements.lock'))).toBe(true);
      expect(await readFile(path.join(ctx.dir, CA_DIR, CA_FILE), 'utf8')).toBe('');
      expect(existsSync(path.join(ctx.dir, 'bootstrap-base.sh'))).toBe(false);
      expect(existsSync(path.join(ctx.dir, 'smoke'))).toBe(false);
    } finally {
      await ctx.dispose();
    }
    expect(existsSync(ctx.dir)).toBe(false);
  });

  it('does not change with the extra CA, and changes with the Dockerfile', async () => {
    const none = await digestWith(undefined);
    const withCa = await digestWith('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(withCa).toBe(none);
    const edited = await digestWith(undefined, async () => {
      const f = path.join(imagesCopy, 'Dockerfile');
      await writeFile(f, `${await readFile(f, 'utf8')}\n# edited\n`);
    });
    expect(edited).not.toBe(none);
    const relocked = await digestWith(undefined, async () => {
      const f = path.join(imagesCopy, 'python', 'requirements.lock');
      await writeFile(f, (await readFile(f, 'utf8')).replace(/sha256:[0-9a-f]/, 'sha256:0'));
    });
    expect(relocked).not.toBe(edited);
  });

  it('refuses a symlink in images/ instead of carrying its target into the image', async () => {
    const secret = path.join(work, 'secret.txt');
    await writeFile(secret, 'host secret');
    await mkdir(path.join(imagesCopy, 'rootfs', 'etc'), { recursive: true });
    await symlink(secret, path.join(imagesCopy, 'rootfs', 'etc', 'leak'));
    try {
      const ctx = await prepareContext(imagesCopy, undefined);
      try {
        await expect(hashTree(ctx.dir)).rejects.toMatchObject({ code: 'IMAGE_BUILD_FAILED' });
      } finally {
        await ctx.dispose();
      }
    } finally {
      await rm(path.join(imagesCopy, 'rootfs', 'etc'), { recursive: true, force: true });
    }
  });
});
