import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { buildSandboxImage } from '../../../src/image/build-image.js';
import { inspectImage } from '../../../src/image/docker-image.js';

/**
 * How `airlock image build` fails, against the real engine: with a typed code, the
 * failed step and the last stderr line, and without leaving a tagged image. Uses a
 * tiny images/ dir (imagesDir) so each case takes seconds, not a full build.
 */
const TAG = 'airlock-image-failure-test:local';
let imagesDir: string;

async function writeImages(dockerfile: string): Promise<void> {
  await writeFile(path.join(imagesDir, 'Dockerfile'), dockerfile);
}

beforeAll(async () => {
  imagesDir = path.join(await mkdtemp(path.join(tmpdir(), 'airlock-images-')), 'images');
  for (const d of ['debian', 'mermaid', 'python', 'rootfs', 'rootfs-full'])
    await mkdir(path.join(imagesDir, d), { recursive: true });
  // A lock that pins nothing: the build needs no index and downloads nothing.
  await writeFile(path.join(imagesDir, 'python', 'requirements.lock'), '# no wheels\n');
});
afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(async () => {
  await tryRunCommand('docker', ['image', 'rm', '-f', TAG]);
  await rm(path.dirname(imagesDir), { recursive: true, force: true });
});

describe('image build failures', () => {
  it('names the failed step and its last output as IMAGE_BUILD_FAILED', async () => {
    await writeImages(
      // A `core` stage: the build targets the flavor's stage (images/Dockerfile has core and full).
      'FROM debian:bookworm-slim AS core\nRUN echo preparing\nRUN echo "E: the package shelf is empty" && exit 7\n',
    );
    const lines: string[] = [];
    const err = await buildSandboxImage({ tag: TAG, imagesDir, progress: (l) => lines.push(l) }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: 'IMAGE_BUILD_FAILED' });
    expect(err.message).toContain('RUN echo "E: the package shelf is empty" && exit 7');
    expect(err.message).toContain('the package shelf is empty');
    expect(err.message).toMatch(/non-zero code: 7|exit code: 7/);
    expect(lines.some((l) => l.includes('preparing'))).toBe(true);
    expect(await inspectImage(TAG)).toBeNull();
  });

  it('fails when the build does not carry the context label it was given', async () => {
    // A Dockerfile that ignores CONTEXT_SHA256 would make --if-changed rebuild forever
    // (or, worse, trust a stale image): refused.
    await writeImages('FROM debian:bookworm-slim AS core\nRUN true\n');
    await expect(buildSandboxImage({ tag: TAG, imagesDir })).rejects.toMatchObject({
      code: 'IMAGE_BUILD_FAILED',
    });
  });

  it('reports DOCKER_UNAVAILABLE when no engine answers', async () => {
    vi.stubEnv('DOCKER_HOST', 'unix:///nonexistent/docker.sock');
    await writeImages('FROM debian:bookworm-slim\n');
    await expect(buildSandboxImage({ tag: TAG, imagesDir })).rejects.toMatchObject({
      code: 'DOCKER_UNAVAILABLE',
    });
  });
});
