import { readFile } from 'node:fs/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImageInput } from '../../../src/gate/image-stage.js';
import { CONTEXT_SOURCES } from '../../../src/image/build-context.js';
import {
  localBuildTag,
  parsePublished,
  publishedPullRef,
  readPublishedImage,
} from '../../../src/image/published.js';
import { VERSION } from '../../../src/version.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const FULL_DIGEST = `sha256:${'f'.repeat(64)}`;
const both = { core: DIGEST, full: FULL_DIGEST };

describe('images/published.json', () => {
  it('the shipped file parses, names this version, and is not a build input', async () => {
    const p = parsePublished(await readFile('images/published.json', 'utf8'), 'images/published.json');
    expect(p.version).toBe(VERSION);
    // Committed by the release workflow after the build: it must not change the context digest.
    expect(CONTEXT_SOURCES).not.toContain('published.json');
  });

  it('gives ref@digest of each flavor to pull, and nothing before a release', () => {
    const released = parsePublished(
      JSON.stringify({
        ref: 'ghcr.io/o/airlock-sandbox',
        version: '0.2.0',
        digests: { core: DIGEST, full: FULL_DIGEST },
      }),
      'f',
    );
    expect(publishedPullRef(released, 'core')).toBe(`ghcr.io/o/airlock-sandbox@${DIGEST}`);
    expect(publishedPullRef(released, 'full')).toBe(`ghcr.io/o/airlock-sandbox@${FULL_DIGEST}`);
    const unreleased = parsePublished(
      JSON.stringify({ ref: null, version: '0.2.0', digests: { core: null, full: null } }),
      'f',
    );
    expect(publishedPullRef(unreleased, 'core')).toBeUndefined();
    expect(publishedPullRef(unreleased, 'full')).toBeUndefined();
  });

  it.each([
    ['{', /f: not JSON/],
    ['[]', /f: expected an object/],
    [
      JSON.stringify({ ref: 'ghcr.io/o/i:latest', version: '1.0.0', digests: both }),
      /field ref: .*without tag/,
    ],
    [JSON.stringify({ ref: 'ghcr.io/O/i', version: '1.0.0', digests: both }), /field ref/],
    [JSON.stringify({ ref: '--help', version: '1.0.0', digests: both }), /field ref/],
    [
      JSON.stringify({ ref: 'ghcr.io/o/i', version: '1.0.0', digests: { ...both, full: 'sha256:abc' } }),
      /field digests\.full: expected sha256:<64/,
    ],
    [
      JSON.stringify({ ref: 'ghcr.io/o/i', version: '1.0.0', digests: { core: DIGEST, full: null } }),
      /set ref and every flavor's digest, or none/,
    ],
    [
      JSON.stringify({ ref: null, version: '1.0.0', digests: { core: DIGEST, full: null } }),
      /set ref and every flavor's digest, or none/,
    ],
    [
      JSON.stringify({ ref: 'ghcr.io/o/i', version: '1.0.0', digests: { ...both, slim: DIGEST } }),
      /field digests: unknown flavor slim/,
    ],
    [
      JSON.stringify({ ref: 'ghcr.io/o/i', version: '1.0.0', digests: [] }),
      /field digests: expected an object/,
    ],
    // The one-image format of before the split is named, not half-read.
    [
      JSON.stringify({ ref: 'ghcr.io/o/i', version: '1.0.0', digest: DIGEST }),
      /field digest: replaced by digests/,
    ],
    [
      JSON.stringify({ ref: null, version: 'latest', digests: { core: null, full: null } }),
      /field version: expected a semantic version/,
    ],
  ])('refuses %s naming the field', (text, message) => {
    expect(() => parsePublished(text, 'f')).toThrow(message);
  });

  it('reads the override file when AIRLOCK_PUBLISHED_IMAGE_FILE is set, and names a missing one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-published-'));
    try {
      const file = path.join(dir, 'mirror.json');
      await writeFile(file, JSON.stringify({ ref: '127.0.0.1:5000/a/b', version: '0.1.0', digests: both }));
      const p = await readPublishedImage('images', { AIRLOCK_PUBLISHED_IMAGE_FILE: file });
      expect(publishedPullRef(p, 'core')).toBe(`127.0.0.1:5000/a/b@${DIGEST}`);
      await expect(
        readPublishedImage('images', { AIRLOCK_PUBLISHED_IMAGE_FILE: path.join(dir, 'nope.json') }),
      ).rejects.toThrow(/nope\.json: ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tags a local build by version, flavor and context digest', () => {
    expect(localBuildTag('core', 'abcdef0123456789ffff', '0.3.1')).toBe(
      'airlock-sandbox:0.3.1-core-abcdef012345',
    );
    expect(localBuildTag('full', 'abcdef0123456789ffff')).toBe(
      `airlock-sandbox:${VERSION}-full-abcdef012345`,
    );
  });
});

describe('the image input', () => {
  it.each([
    ['', { kind: 'auto' }],
    ['auto', { kind: 'auto' }],
    [' pull ', { kind: 'pull' }],
    ['build', { kind: 'build' }],
    [`ghcr.io/o/i@${DIGEST}`, { kind: 'ref', ref: `ghcr.io/o/i@${DIGEST}` }],
    ['airlock-sandbox:local', { kind: 'ref', ref: 'airlock-sandbox:local' }],
  ])('%j is %j', (text, choice) => {
    expect(parseImageInput(text)).toEqual(choice);
  });

  it.each(['--privileged', 'a b', 'img;rm -rf /', 'x\ny'])('refuses %j with INPUT_INVALID', (text) => {
    expect(() => parseImageInput(text)).toThrow(
      /input image: expected auto, pull, build or an image reference/,
    );
  });
});
