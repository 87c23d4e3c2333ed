import { describe, expect, it } from 'vitest';
import { EngineFailure } from '../../../src/sandbox/container-engine.js';
import { liveContainers } from '../../../src/sandbox/containers.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { type FakeBehaviour, FakeEngine } from '../../helpers/fake-engine.js';
import { hardenedSpec } from '../../helpers/hardened-spec.js';

/**
 * runHardened's decisions, given each typed outcome an engine can give: the order of
 * its calls, fail-closed when the engine goes, classification by kind (never by text),
 * the timeout. The in-memory engine of test/helpers/fake-engine.ts only here: the real
 * one is driven in test/integration/sandbox/ (docker-engine.test.ts, limits.test.ts).
 */

const IMAGE = hardenedSpec().sandbox.image;

/** An engine that has the image and runs hardenedSpec's plot.py as `behaviour` says. */
function engineFor(behaviour?: FakeBehaviour, images: Record<string, string> = { [IMAGE]: 'sha256:x' }) {
  const engine = new FakeEngine(images);
  if (behaviour) engine.behaviours.set('plot.py', behaviour);
  return engine;
}

/** The engine's calls without their arguments. */
const verbs = (engine: FakeEngine) => engine.calls.map((c) => c.split(' ')[0]);

describe('runHardened over a ContainerEngine', () => {
  it('creates, starts, execs, then removes, in that order; exit 0 is success', async () => {
    const engine = engineFor();
    const r = await runHardened(hardenedSpec(), engine);
    expect(r.status).toBe('success');
    expect(engine.created[0]?.network).toBe('none');
    expect(verbs(engine)).toEqual(['create', 'start', 'exec', 'inspect', 'remove']);
    expect(liveContainers()).toEqual([]);
  });

  it('a script that prints engine errors and exits 126 is a failure (issue 21, item 12a)', async () => {
    const r = await runHardened(
      hardenedSpec(),
      engineFor({
        kind: 'exit',
        code: 126,
        stderr: 'OCI runtime exec failed: x\nError response from daemon: y\n',
      }),
    );
    expect([r.status, r.exitCode, r.reason]).toEqual(['failure', 126, 'exit code 126']);
  });

  it.each([
    ['engine-gone', 'the Docker engine stopped answering while the script ran'],
    ['exec-failed', 'the engine could not start the command'],
    ['container-missing', 'the sandbox container went away while the script ran'],
  ] as const)(
    'an exec that ends in %s is the sandbox error, never the script failure',
    async (kind, reason) => {
      const engine = engineFor({
        kind: 'custom',
        run: async () => {
          throw new EngineFailure(kind, 'detail');
        },
      });
      const r = await runHardened(hardenedSpec(), engine);
      expect([r.status, r.exitCode, r.reason]).toEqual(['error', null, `${reason}: detail`]);
      expect(verbs(engine).at(-1)).toBe('remove');
    },
  );

  it('an image the engine lacks: no exec at all, an error that says how to fix it', async () => {
    const engine = engineFor(undefined, {});
    const r = await runHardened(hardenedSpec(), engine);
    expect(r.status).toBe('error');
    expect(r.reason).toContain('airlock image build');
    expect(verbs(engine)).toEqual(['create', 'remove']);
  });

  it('the timeout removes the container, stops reading, and classifies timeout', async () => {
    const spec = hardenedSpec({ limits: { ...hardenedSpec().limits, timeoutSeconds: 1 } });
    const engine = engineFor({ kind: 'hang' });
    const r = await runHardened(spec, engine);
    expect([r.status, r.exitCode]).toEqual(['timeout', null]);
    expect(verbs(engine).slice(0, 4)).toEqual(['create', 'start', 'exec', 'remove']);
  });
});
