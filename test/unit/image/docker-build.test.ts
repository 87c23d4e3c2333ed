import { describe, expect, it } from 'vitest';
import { dockerBuildArgs, type ImageBuildArgs, plainLine, stepOf } from '../../../src/image/docker-build.js';
import { parseImageInspect } from '../../../src/image/docker-image.js';

const ARGS: ImageBuildArgs = {
  BASE_IMAGE: 'debian:bookworm-slim',
  IMAGE_SOURCE: 'https://github.com/o/r',
  IMAGE_VERSION: '0.1.0',
  IMAGE_REVISION: 'abc',
  IMAGE_CREATED: '2026-01-01T00:00:00.000Z',
  CONTEXT_SHA256: 'f'.repeat(64),
};

describe('dockerBuildArgs', () => {
  it('tags, removes intermediate containers, never pulls, and ends with -- and the context', () => {
    const argv = dockerBuildArgs('airlock-sandbox:local', '/tmp/ctx', ARGS, { target: 'core' });
    expect(argv[0]).toBe('build');
    expect(argv).toContain('--rm');
    expect(argv).toContain('--force-rm');
    expect(argv).not.toContain('--pull');
    expect(argv[argv.indexOf('--tag') + 1]).toBe('airlock-sandbox:local');
    expect(argv[argv.indexOf('--file') + 1]).toBe('/tmp/ctx/Dockerfile');
    expect(argv.slice(-2)).toEqual(['--', '/tmp/ctx']);
    expect(argv).not.toContain('--no-cache');
  });

  it('builds the flavor as the Dockerfile target, before the context', () => {
    for (const target of ['core', 'full'] as const) {
      const argv = dockerBuildArgs('t', '/c', ARGS, { target });
      expect(argv[argv.indexOf('--target') + 1]).toBe(target);
      expect(argv.filter((a) => a === '--target')).toHaveLength(1);
      expect(argv.indexOf('--target')).toBeLessThan(argv.indexOf('--'));
    }
  });

  it('rebuilds every layer when asked (patch rebuilds), still ending with the context', () => {
    const argv = dockerBuildArgs('t', '/c', ARGS, { noCache: true, target: 'core' });
    expect(argv).toContain('--no-cache');
    expect(argv.indexOf('--no-cache')).toBeLessThan(argv.indexOf('--'));
  });

  it('passes every declared build arg as one argv element, whatever it contains', () => {
    const hostile = { ...ARGS, IMAGE_SOURCE: 'x $(touch /tmp/pwn); --network=host' };
    const argv = dockerBuildArgs('t', '/c', hostile, { target: 'core' });
    const values = argv.filter((_, i) => argv[i - 1] === '--build-arg');
    expect(values).toHaveLength(Object.keys(ARGS).length);
    expect(values).toContain('IMAGE_SOURCE=x $(touch /tmp/pwn); --network=host');
    expect(argv).not.toContain('--network=host');
  });
});

describe('build output', () => {
  it('recognises the step of the classic builder and of BuildKit', () => {
    expect(stepOf('Step 7/27 : RUN npm ci')).toBe('Step 7/27 : RUN npm ci');
    expect(stepOf('#9 [mermaid 4/5] RUN npm ci')).toBe('[mermaid 4/5] RUN npm ci');
    expect(stepOf(' ---> Running in 1234')).toBeUndefined();
    expect(stepOf('npm WARN Step 1/2 : fake')).toBeUndefined();
  });

  it('strips terminal colour and control sequences', () => {
    expect(plainLine('\u001b[91mnpm\u001b[0m WARN \u0007x\r')).toBe('npm WARN x');
    expect(plainLine('tab\tkept')).toBe('tab\tkept');
  });
});

describe('parseImageInspect', () => {
  it('reads id, string labels and size', () => {
    const out = JSON.stringify([
      { Id: 'sha256:abc', Size: 1234, Config: { Labels: { a: '1', b: 2 }, User: '10001:10001' } },
    ]);
    expect(parseImageInspect(out)).toEqual({ id: 'sha256:abc', labels: { a: '1' }, sizeBytes: 1234 });
  });

  it('copes with an image without labels and with an empty answer', () => {
    expect(
      parseImageInspect(JSON.stringify([{ Id: 'sha256:x', Size: 1, Config: { Labels: null } }])),
    ).toEqual({
      id: 'sha256:x',
      labels: {},
      sizeBytes: 1,
    });
    expect(parseImageInspect('[]')).toBeNull();
  });
});
