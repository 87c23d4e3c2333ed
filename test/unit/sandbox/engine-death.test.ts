import { afterEach, describe, expect, it } from 'vitest';
import { liveContainers, removeContainer, untrackContainer } from '../../../src/sandbox/containers.js';
import { isEngineFailure } from '../../../src/sandbox/container-engine.js';
import { DockerEngine } from '../../../src/sandbox/docker-engine.js';
import { runBatch } from '../../../src/sandbox/run-batch.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { FakeEngine } from '../../helpers/fake-engine.js';
import { hardenedSpec } from '../../helpers/hardened-spec.js';

/**
 * Issue 21 item 8: once the engine is dead, nothing waits on it. The CLI-era removal
 * polled a dead engine 60 x 500 ms per container (~30 s each). Counted here in engine
 * calls and sleeps, never wall-clock: the in-memory engine of test/helpers/fake-engine.ts
 * fails every call with `engine-gone` once gone, as DockerEngine does on a dead socket.
 */

const IMAGE = hardenedSpec().sandbox.image;
const verbs = (calls: string[]) => calls.map((c) => c.split(' ')[0]);

afterEach(() => {
  // A container a dead engine could not remove stays tracked (the exit hook's backstop);
  // the fake's names mean nothing to a real engine.
  for (const name of liveContainers()) untrackContainer(name);
});

describe('removal after the engine died', () => {
  it('ends at the first engine-gone answer: one remove, one look, no sleep', async () => {
    const engine = new FakeEngine();
    engine.goAway();
    const sleeps: number[] = [];
    const gone = await removeContainer(engine, 'airlock-x-1', async (ms) => {
      sleeps.push(ms);
    });
    expect(gone).toBe(false);
    expect(engine.calls).toEqual(['remove airlock-x-1', 'inspect airlock-x-1']);
    expect(sleeps).toEqual([]);
  });

  it('DockerEngine on a socket no engine answers: every call is engine-gone, removal gives up without a sleep', async () => {
    const engine = new DockerEngine('/nonexistent/airlock-test/docker.sock');
    const sleeps: number[] = [];
    expect(await removeContainer(engine, 'airlock-x-3', async (ms) => void sleeps.push(ms))).toBe(false);
    expect(sleeps).toEqual([]);
    const e = await engine.inspect('airlock-x-3').catch((x: unknown) => x);
    expect(isEngineFailure(e, 'engine-gone')).toBe(true);
  });

  it('still waits out a removal in progress on a live engine (until the container is gone)', async () => {
    // The engine answers 409 "removal already in progress" (remove: false) and the
    // container disappears after three looks.
    const engine = new FakeEngine();
    let looks = 0;
    engine.remove = async (name: string) => {
      engine.calls.push(`remove ${name}`);
      return false;
    };
    engine.inspect = async (name: string) => {
      engine.calls.push(`inspect ${name}`);
      looks += 1;
      return looks < 3 ? { running: false, oomKilled: false } : null;
    };
    const sleeps: number[] = [];
    const gone = await removeContainer(engine, 'airlock-x-2', async (ms) => {
      sleeps.push(ms);
    });
    expect(gone).toBe(true);
    expect(verbs(engine.calls)).toEqual(['remove', 'inspect', 'inspect', 'inspect']);
    expect(sleeps).toEqual([500, 500]);
  });
});

describe('a removal the engine refused', () => {
  it('is asked again while the container is still there (Podman 4.3: a container stopping by itself)', async () => {
    // The first DELETE is refused (500 "container state improper": remove false) and
    // nobody else removes it: only asking again does.
    const engine = new FakeEngine();
    let removals = 0;
    engine.remove = async (name: string) => {
      engine.calls.push(`remove ${name}`);
      removals += 1;
      return removals >= 2;
    };
    engine.inspect = async (name: string) => {
      engine.calls.push(`inspect ${name}`);
      return { running: false, oomKilled: false };
    };
    const sleeps: number[] = [];
    expect(await removeContainer(engine, 'airlock-x-4', async (ms) => void sleeps.push(ms))).toBe(true);
    expect(verbs(engine.calls)).toEqual(['remove', 'inspect', 'inspect', 'inspect', 'inspect', 'remove']);
    expect(sleeps).toEqual([500, 500, 500, 500]);
  });
});

describe('a run whose engine dies mid-script', () => {
  it('makes no call after the failed removal and names what is left (nothing, for a fake id)', async () => {
    const engine = new FakeEngine({ [IMAGE]: 'sha256:x' });
    engine.behaviours.set('plot.py', { kind: 'engine-gone' });
    const r = await runHardened(hardenedSpec(), engine);
    expect([r.status, r.engineFailure]).toEqual(['error', 'engine-gone']);
    // create, start, the exec that lost the engine, one state look (no cgroup for the
    // fake id), then one removal attempt and one look: the end.
    expect(verbs(engine.calls)).toEqual(['create', 'start', 'exec', 'inspect', 'remove', 'inspect']);
    // The container is still the engine's to remove: tracked for the exit hook.
    expect(liveContainers()).toEqual([r.containerName]);
    expect(r.engineLeftovers).toEqual([]);
    expect(r.reason).toMatch(
      /^the Docker engine stopped answering while the script ran: .*; engine died: no process of its container is left on this host$/,
    );
  });

  it('a batch of 6 after the engine died: a bounded number of calls per script, no polling', async () => {
    const engine = new FakeEngine({ [IMAGE]: 'sha256:x' });
    engine.behaviours.set('s0.py', { kind: 'engine-gone' });
    const results: string[] = [];
    await runBatch([0, 1, 2, 3, 4, 5], {
      parallelism: 1,
      idleSeconds: 0,
      engine,
      specOf: async (i) => hardenedSpec({ command: ['python3', `s${i}.py`] }),
      onResult: async (_i, _n, r) => {
        results.push(`${r.status}:${r.engineFailure ?? ''}`);
      },
    });
    expect(results).toEqual(Array(6).fill('error:engine-gone'));
    const afterDeath = engine.calls.slice(engine.calls.indexOf('exec s0.py') + 1);
    // Per script at most: create (refused), remove, inspect; plus s0's and s1's
    // (created ahead) state looks. The CLI-era loop made 60 looks per container.
    expect(afterDeath.filter((c) => c.startsWith('inspect')).length).toBeLessThanOrEqual(6 + 2);
    expect(afterDeath.length).toBeLessThanOrEqual(6 * 3 + 2);
  });
});
