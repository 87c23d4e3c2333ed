import { describe, expect, it } from 'vitest';
import { EngineFailure } from '../../../src/sandbox/container-engine.js';
import { ensureImage, requireEngineRuntime, requireEngineUp } from '../../../src/sandbox/engine-ready.js';
import { FakeEngine } from '../../helpers/fake-engine.js';

/**
 * The checks before a run, asked of the engine the run uses. Their codes are what the
 * CLI and the Action report (exit 2); the real engine's answers to the same calls:
 * test/integration/sandbox/docker-engine.test.ts and run-command.test.ts.
 */
describe('the engine checks before a run', () => {
  it('an engine that answers passes; one that does not, or whose ping throws, is DOCKER_UNAVAILABLE naming where', async () => {
    const engine = new FakeEngine();
    await expect(requireEngineUp(engine)).resolves.toBeUndefined();
    engine.goAway();
    const e = await requireEngineUp(engine).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
    expect((e as Error).message).toContain(engine.endpoint);
    const throwing = Object.assign(new FakeEngine(), {
      ping: async () => {
        throw new EngineFailure('engine-gone', 'socket closed');
      },
    });
    await expect(requireEngineUp(throwing)).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
  });

  it('a runtime the engine lacks is DOCKER_UNAVAILABLE naming it', async () => {
    const engine = new FakeEngine();
    await expect(requireEngineRuntime(engine, 'runc')).resolves.toBeUndefined();
    await expect(requireEngineRuntime(engine, 'runsc')).rejects.toMatchObject({
      code: 'DOCKER_UNAVAILABLE',
      message: "the Docker engine has no runtime 'runsc'",
    });
  });

  it('the image: its id from the engine, or IMAGE_MISSING saying how to build it', async () => {
    const engine = new FakeEngine({ 'airlock-sandbox:local': 'sha256:abc' });
    const lines: string[] = [];
    expect(await ensureImage(engine, 'airlock-sandbox:local', (l) => lines.push(l))).toEqual({
      ref: 'airlock-sandbox:local',
      id: 'sha256:abc',
    });
    expect(lines).toEqual(['image: airlock-sandbox:local (sha256:abc)']);
    const e = await ensureImage(engine, 'airlock-absent:none').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'IMAGE_MISSING' });
    expect((e as Error).message).toContain('airlock image build');
  });
});
